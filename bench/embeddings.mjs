// Embedding throughput, latency and memory: TARS's EmbeddingEngine (transformers.js in a worker
// thread) next to a minimal direct onnxruntime-node script (same tokenizer, InferenceSession,
// mean pooling, L2 normalisation), with the fixture model in fp32 and q8, batch 1 and 32.
//
// Speed: one child process per dtype holds both runners and alternates them pass by pass (a pass
// = the 200 sentences), so that both see the same background load on a shared machine; the
// overhead is the median of the paired ratios. Memory: one fresh child process per runner, dtype
// and batch size runs one pass, so that its peak RSS and model load time are its own.
//
//   npx tsc -p tsconfig.json && node bench/embeddings.mjs [--rounds 8] [--models-dir ../shared/models]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MODEL = 'minilm-l6-random';
const SENTENCE_COUNT = 200;
const RUNNERS = { raw: 'direct onnxruntime-node', engine: 'TARS EmbeddingEngine' };

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const modelsDir = path.resolve(flag('models-dir', path.join(root, '..', 'shared', 'models')));

/** ~200 English sentences of 10-25 words, the same on every run (seeded generator). */
function sentences(count) {
  const subjects = ['The engineer', 'My neighbour', 'A small team', 'The new manager', 'Our landlord', 'The committee', 'Her brother', 'The delivery driver', 'A local baker', 'The old library'];
  const verbs = ['repaired', 'inspected', 'described', 'postponed', 'reorganised', 'photographed', 'recommended', 'questioned', 'cleaned', 'measured'];
  const objects = ['the boiler in the basement', 'the quarterly budget report', 'a broken garden fence', 'the train timetable for winter', 'every window on the second floor', 'the results of the survey', 'a recipe for rye bread', 'the contract with the supplier', 'the roof above the kitchen', 'a map of the hiking trails'];
  const tails = ['before the heavy rain arrived on Tuesday', 'while everyone else was still asleep', 'because the previous attempt had failed badly', 'after a long discussion about costs and deadlines', 'with help from two volunteers', 'during the first week of March', 'although nobody had asked for it', 'so that the children could play outside again', 'in less time than anyone expected', 'and then wrote a short note about it'];
  const extras = ['', 'Afterwards the street was quiet.', 'Nobody complained.', 'It cost less than planned.', 'The weather stayed mild all day.'];
  let seed = 20261123;
  const pick = (list) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return list[(seed >>> 16) % list.length];
  };
  const out = [];
  while (out.length < count) {
    const text = `${pick(subjects)} ${pick(verbs)} ${pick(objects)} ${pick(tails)}. ${pick(extras)}`.trim();
    const words = text.split(/\s+/).length;
    if (words >= 10 && words <= 25) out.push(text);
  }
  return out;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// ---------------------------------------------------------------- child: one measurement
async function rawEmbedder(dtype) {
  const ort = await import('onnxruntime-node');
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.localModelPath = `${modelsDir}/`;
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
  const file = path.join(modelsDir, MODEL, 'onnx', dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx');
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'] });
  return async (texts) => {
    const enc = tokenizer(texts, { padding: true, truncation: true });
    const feeds = {};
    for (const name of session.inputNames) feeds[name] = new ort.Tensor('int64', enc[name].data, enc[name].dims);
    const { last_hidden_state: hidden } = await session.run(feeds);
    const [batch, sequence, width] = hidden.dims;
    const data = hidden.data; // a getter on ort.Tensor: read it once, not in the loop
    const mask = enc.attention_mask.data;
    const vectors = [];
    for (let b = 0; b < batch; b++) {
      const v = new Float32Array(width);
      let count = 0;
      for (let t = 0; t < sequence; t++) {
        if (!mask[b * sequence + t]) continue;
        count++;
        const offset = (b * sequence + t) * width;
        for (let d = 0; d < width; d++) v[d] += data[offset + d];
      }
      let norm = 0;
      for (let d = 0; d < width; d++) norm += (v[d] /= count) ** 2;
      norm = Math.sqrt(norm);
      for (let d = 0; d < width; d++) v[d] /= norm;
      vectors.push(v);
    }
    return vectors;
  };
}

async function engineEmbedder(dtype) {
  const { loadConfig } = await import(path.join(root, 'dist/config/config.loader.js'));
  const { EmbeddingEngine } = await import(path.join(root, 'dist/modules/processing/embeddings/embedding-engine.js'));
  const config = loadConfig({
    env: {
      TARS_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tars-bench-')),
      TARS_LOG_LEVEL: 'warn',
      TARS_EMBEDDINGS_MODELS_DIR: modelsDir,
      TARS_EMBEDDINGS_ALLOW_REMOTE_MODELS: 'false',
      TARS_EMBEDDINGS_MODELS: JSON.stringify([{ id: 'fixture', provider: 'transformers', source: MODEL, dimensions: 384, dtype, maxTokens: 512, batchSize: 32 }]),
      TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: 'fixture',
      TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'fixture',
      TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: 'fixture',
      TARS_EMBEDDINGS_FALLBACK: '[]',
      TARS_EMBEDDINGS_CACHE_MEMORY_ENTRIES: '0', // measure the model, not the cache
      TARS_EMBEDDINGS_CACHE_SHARED: 'false',
    },
  });
  const engine = new EmbeddingEngine(config, { logger: { log() {}, warn: console.warn, error: console.error } });
  return async (texts) => {
    const result = await engine.embed({ texts, use: 'documents', allowFallback: false });
    if (result.model !== 'fixture') throw new Error(`unexpected model ${result.model}`);
    return result.vectors;
  };
}

/** One pass over the texts in batches: total seconds and the latency of each text (batch time / batch size). */
async function pass(embed, texts, batch) {
  const perText = [];
  const started = performance.now();
  for (let i = 0; i < texts.length; i += batch) {
    const slice = texts.slice(i, i + batch);
    const t0 = performance.now();
    const vectors = await embed(slice);
    const ms = performance.now() - t0;
    if (vectors.length !== slice.length || vectors[0].length !== 384) throw new Error('wrong output shape');
    for (let k = 0; k < slice.length; k++) perText.push(ms / slice.length);
  }
  return { seconds: (performance.now() - started) / 1000, perText };
}

const load = (runner, dtype) => (runner === 'engine' ? engineEmbedder(dtype) : rawEmbedder(dtype));

/** Both runners in this process, alternating pass by pass. */
async function speed(dtype, rounds) {
  const texts = sentences(SENTENCE_COUNT);
  const embedders = { raw: await load('raw', dtype), engine: await load('engine', dtype) };
  const out = {};
  for (const batch of [1, 32]) {
    for (const embed of Object.values(embedders)) await pass(embed, texts.slice(0, 64), batch); // warm-up
    const samples = { raw: [], engine: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? ['engine', 'raw'] : ['raw', 'engine'];
      for (const runner of order) samples[runner].push(await pass(embedders[runner], texts, batch));
    }
    out[batch] = samples;
  }
  return out;
}

/** One runner alone in this process: one pass, then its peak RSS. */
async function memory(runner, dtype, batch) {
  const texts = sentences(SENTENCE_COUNT);
  const started = performance.now();
  const embed = await load(runner, dtype);
  await embed(texts.slice(0, 1)); // the engine loads its model on first use
  const loadMs = performance.now() - started;
  await pass(embed, texts, batch);
  return { loadMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

if (process.argv[2] === '--child') {
  const [task, ...args] = process.argv.slice(3);
  const result = task === 'speed' ? await speed(args[0], Number(args[1])) : await memory(args[0], args[1], Number(args[2]));
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------- parent: children and table
if (!existsSync(path.join(root, 'dist/modules/processing/embeddings/embedding-engine.js'))) {
  console.error('dist/ has no embedding engine: build first with `npx tsc -p tsconfig.json`');
  process.exit(2);
}
if (!existsSync(path.join(modelsDir, MODEL, 'onnx', 'model.onnx'))) {
  console.error(`fixture model not found in ${modelsDir} (use --models-dir)`);
  process.exit(2);
}

function child(...args) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...args, '--models-dir', modelsDir], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    console.error(run.stderr);
    process.exit(1);
  }
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

const rounds = Number(flag('rounds', '8'));
const loadBefore = loadavg()[0];
const rows = [];
for (const dtype of ['fp32', 'q8']) {
  process.stderr.write(`speed ${dtype}: ${rounds} alternating rounds per batch size...\n`);
  const measured = child('speed', dtype, String(rounds));
  for (const batch of [1, 32]) {
    const samples = measured[batch];
    const overhead = median(samples.engine.map((e, i) => e.seconds / samples.raw[i].seconds - 1));
    for (const runner of ['raw', 'engine']) {
      process.stderr.write(`memory ${runner} ${dtype} batch ${batch}...\n`);
      const mem = child('memory', runner, dtype, String(batch));
      rows.push({
        runner,
        dtype,
        batch,
        textsPerSecond: median(samples[runner].map((p) => SENTENCE_COUNT / p.seconds)),
        p50Ms: median(samples[runner].flatMap((p) => p.perText)),
        ...mem,
        overhead: runner === 'engine' ? overhead : undefined,
      });
    }
  }
}

console.log(`\nEmbeddings, ${MODEL}: ${SENTENCE_COUNT} sentences of 10-25 words, median of ${rounds} alternating passes per runner`);
console.log(`machine: ${cpus().length} cores, ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`);
console.log(`load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)}\n`);
console.log('| runner | dtype | batch | texts/s | p50 ms per text | peak RSS MiB | load ms | engine overhead |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const overhead = r.overhead === undefined ? '' : `${(r.overhead * 100).toFixed(1)} %`;
  console.log(`| ${RUNNERS[r.runner]} | ${r.dtype} | ${r.batch} | ${r.textsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.peakRssMiB.toFixed(0)} | ${r.loadMs.toFixed(0)} | ${overhead} |`);
}
console.log('\nengine overhead = median over rounds of (engine pass time / direct pass time - 1), passes run back to back in one process');
