// Worker thread of the transformers.js LLM backend: loads one text-generation model and runs
// generations one after another, streaming text back, so that ONNX work (which runs on the
// calling thread between its native calls) never blocks the main event loop. Plain JavaScript
// because it is started from both dist/ and the TS sources.
// Protocol (see transformers.backend.ts):
//   out: { type: 'ready', hasChatTemplate } | { type: 'start-failed', kind, message }
//   in:  { type: 'generate', id, messages, maxTokens, temperature, stop } | { type: 'abort', id }
//   out: { type: 'token', id, text } | { type: 'end', id, doneReason, promptTokens, completionTokens }
//        | { type: 'error', id, kind: 'bad-request' | 'failed', message }
import { parentPort, workerData } from 'node:worker_threads';
import { env, pipeline, StoppingCriteria, TextStreamer } from '@huggingface/transformers';

const { source, dtype, modelsDir, allowRemoteModels, contextLength } = workerData;

env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
env.cacheDir = modelsDir; // models fetched from the hub land where local models are looked up
env.allowLocalModels = true;
env.allowRemoteModels = allowRemoteModels;

let generator;
try {
  generator = await pipeline('text-generation', source, { dtype });
  parentPort.postMessage({ type: 'ready', hasChatTemplate: Boolean(generator.tokenizer.chat_template) });
} catch (err) {
  const message = err?.message ?? String(err);
  parentPort.postMessage({ type: 'start-failed', kind: startFailure(err, message), message: `cannot load '${source}' (${dtype}): ${message}` });
}

function startFailure(err, message) {
  if (err?.name === 'ModelFileNotFoundError' || /file was not found|Could not locate file/i.test(message)) return 'not-found';
  if (/Unsupported model type|not compatible with `\.generate\(\)`/.test(message)) return 'not-generative';
  return 'load';
}

/** Generations waiting or running, by id; an abort flips `aborted`, checked between two tokens. */
const jobs = new Map();
let queue = Promise.resolve();

parentPort.on('message', (msg) => {
  if (msg.type === 'abort') {
    const job = jobs.get(msg.id);
    if (job) job.aborted = true;
    return;
  }
  if (msg.type !== 'generate') return;
  const job = { ...msg, aborted: false };
  jobs.set(msg.id, job);
  // One generation at a time: ONNX Runtime already uses every core for one step.
  queue = queue.then(() => run(job)).finally(() => jobs.delete(job.id));
});

async function run(job) {
  const { id } = job;
  try {
    if (job.aborted) {
      parentPort.postMessage({ type: 'end', id, doneReason: 'cancelled', completionTokens: 0 });
      return;
    }
    const result = await generate(job, (text) => parentPort.postMessage({ type: 'token', id, text }));
    parentPort.postMessage({ type: 'end', id, ...result });
  } catch (err) {
    const kind = err instanceof BadRequest ? 'bad-request' : 'failed';
    parentPort.postMessage({ type: 'error', id, kind, message: err?.message ?? String(err) });
  }
}

class BadRequest extends Error {}

/** Stops generation once the job is aborted or a stop string was seen. */
class JobStoppingCriteria extends StoppingCriteria {
  constructor(shouldStop) {
    super();
    this.shouldStop = shouldStop;
  }
  _call(inputIds) {
    const stop = this.shouldStop();
    return inputIds.map(() => stop);
  }
}

async function generate(job, emit) {
  const tokenizer = generator.tokenizer;
  const { prompt, templated } = buildPrompt(tokenizer, job.messages);
  // A chat template writes the special tokens itself; a plain transcript gets the tokenizer's own.
  const inputs = tokenizer(prompt, { add_special_tokens: !templated });
  const promptTokens = inputs.input_ids.dims.at(-1);
  if (promptTokens >= contextLength) {
    throw new BadRequest(`the prompt has ${promptTokens} tokens, more than the context of ${contextLength} tokens`);
  }
  const stops = new StopMatcher(job.stop ?? [], emit);
  let completionTokens = 0;
  const streamer = new TextStreamer(tokenizer, {
    skip_prompt: true,
    skip_special_tokens: true,
    callback_function: (text) => stops.push(text),
    token_callback_function: (tokens) => (completionTokens += tokens.length),
  });
  const sampling = job.temperature > 0 ? { do_sample: true, temperature: job.temperature } : { do_sample: false };
  await generator.model.generate({
    ...inputs,
    ...sampling,
    max_new_tokens: Math.min(job.maxTokens, contextLength - promptTokens),
    streamer,
    stopping_criteria: [new JobStoppingCriteria(() => job.aborted || stops.matched)],
  });
  stops.flush();
  const doneReason = job.aborted ? 'cancelled' : stops.matched ? 'stop' : completionTokens >= job.maxTokens ? 'length' : 'stop';
  return { doneReason, promptTokens, completionTokens };
}

/** The model's chat template when it has one, else a plain "role: content" transcript. */
function buildPrompt(tokenizer, messages) {
  if (tokenizer.chat_template) {
    const prompt = tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
    return { prompt, templated: true };
  }
  const lines = messages.map((m) => `${m.role}: ${m.content}`);
  return { prompt: `${lines.join('\n')}\nassistant:`, templated: false };
}

/**
 * Passes text on, except a stop string and everything after it. Text that could be the start of
 * a stop string is held back until the next piece tells.
 */
class StopMatcher {
  constructor(stops, emit) {
    this.stops = stops.filter((s) => s !== '');
    this.emit = emit;
    this.pending = '';
    this.matched = false;
  }
  push(text) {
    if (this.matched || text === '') return;
    this.pending += text;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.pending.indexOf(stop);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.matched = true;
      this.send(this.pending.slice(0, cut));
      this.pending = '';
      return;
    }
    const hold = this.heldBack();
    this.send(this.pending.slice(0, this.pending.length - hold));
    this.pending = this.pending.slice(this.pending.length - hold);
  }
  flush() {
    if (!this.matched) this.send(this.pending);
    this.pending = '';
  }
  /** Length of the longest end of `pending` that begins a stop string. */
  heldBack() {
    let longest = 0;
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, this.pending.length); n > longest; n--) {
        if (this.pending.endsWith(stop.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
  send(text) {
    if (text !== '') this.emit(text);
  }
}
