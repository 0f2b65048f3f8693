#!/usr/bin/env node
// Runs the Ollama simulator for manual use and benchmarks; prints its URL, and a summary on exit.
//
//   node test/support/ollama-simulator-cli.mjs --port 11434 --ttft-ms 50 --tokens-per-second 100 \
//     --parallel 4 --max-queue 512 --model llama3.2:3b [--model other:7b] [--embed-model nomic-embed-text:768] \
//     [--reply-tokens 24] [--num-ctx 2048]
import { parseArgs } from 'node:util';
import { OllamaSimulator } from './ollama-simulator.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '11434' },
    host: { type: 'string', default: '127.0.0.1' },
    'ttft-ms': { type: 'string', default: '50' },
    'tokens-per-second': { type: 'string', default: '100' },
    parallel: { type: 'string', default: '4' },
    'max-queue': { type: 'string', default: '512' },
    'reply-tokens': { type: 'string', default: '24' },
    'num-ctx': { type: 'string', default: '2048' },
    model: { type: 'string', multiple: true, default: ['llama3.2:3b'] },
    'embed-model': { type: 'string', multiple: true, default: ['nomic-embed-text:768'] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log('usage: ollama-simulator-cli.mjs [--port 11434] [--host 127.0.0.1] [--ttft-ms 50] [--tokens-per-second 100] [--parallel 4] [--max-queue 512] [--reply-tokens 24] [--num-ctx 2048] [--model name]... [--embed-model name:dimensions]...');
  process.exit(0);
}

function number(flag) {
  const value = Number(values[flag]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${flag} must be a number >= 0, got ${values[flag]}`);
    process.exit(2);
  }
  return value;
}

/** `nomic-embed-text:768` → name and dimensions; the last `:` part is the dimensions when numeric. */
function embedModel(spec) {
  const match = /^(.+):(\d+)$/.exec(spec);
  return match ? { name: match[1], dimensions: Number(match[2]) } : { name: spec, dimensions: 768 };
}

const sim = await OllamaSimulator.start({
  port: number('port'),
  host: values.host,
  ttftMs: number('ttft-ms'),
  tokensPerSecond: number('tokens-per-second'),
  parallel: Math.max(1, number('parallel')),
  maxQueue: number('max-queue'),
  replyTokens: number('reply-tokens'),
  defaultNumCtx: number('num-ctx'),
  models: [...values['embed-model'].map(embedModel), ...values.model.map((name) => ({ name, kind: 'chat', contextLength: 131072 }))],
});
console.log(sim.url);

async function shutdown() {
  const summary = {
    requests: sim.requestCount(),
    chat: sim.requestCount('/api/chat'),
    generate: sim.requestCount('/api/generate'),
    embed: sim.requestCount('/api/embed'),
    aborted: sim.abortedRequests.length,
    truncated: sim.truncatedRequests,
    maxActiveSeen: sim.maxActiveSeen,
  };
  console.error(JSON.stringify(summary));
  await sim.stop();
  process.exit(0);
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
