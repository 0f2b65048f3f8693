// Worker thread entry point of the transformers.js provider: loads one model (tokenizer + ONNX
// session) and turns batches of texts into pooled vectors (payload { texts }) or per-token
// vectors (payload { texts, tokens: true }), so that ONNX work never blocks the main event loop.
// Plain JavaScript because it is started from both dist/ and the TS sources.
// Protocol: see worker-channel.ts (ready | start-failed, then one result per { id, payload }).
import { parentPort, workerData } from 'node:worker_threads';
import { AutoModel, AutoTokenizer, env, Tensor } from '@huggingface/transformers';

const { source, dtype, pooling, normalize, maxTokens, threads, modelsDir, allowRemoteModels } = workerData;

env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
env.cacheDir = modelsDir; // models fetched from the hub land where local models are looked up
env.allowLocalModels = true;
env.allowRemoteModels = allowRemoteModels;

let tokenizer;
let model;
/** The special tokens the tokenizer puts around one text: [CLS] before and [SEP] after for BERT. */
let template;
try {
  tokenizer = await AutoTokenizer.from_pretrained(source);
  // threads 0 (or absent): onnxruntime's default, one intra-op thread per core.
  const session_options = threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : undefined;
  model = await AutoModel.from_pretrained(source, { dtype, ...(session_options ? { session_options } : {}) });
  template = templateOf(tokenizer);
  parentPort.postMessage({ type: 'ready' });
} catch (err) {
  parentPort.postMessage({ type: 'start-failed', message: `cannot load '${source}' (${dtype}): ${err?.message ?? err}` });
}

// One batch at a time: ONNX Runtime already uses every core for one run.
let queue = Promise.resolve();
parentPort.on('message', ({ id, payload }) => {
  queue = queue.then(() => run(id, payload));
});

async function run(id, { texts, tokens }) {
  try {
    if (tokens) {
      const batch = await embedTokens(texts);
      parentPort.postMessage({ type: 'result', id, ok: true, payload: batch }, [batch.data.buffer]);
    } else {
      const vectors = await embed(texts);
      parentPort.postMessage({ type: 'result', id, ok: true, payload: vectors }, [vectors.buffer]);
    }
  } catch (err) {
    parentPort.postMessage({ type: 'result', id, ok: false, message: err?.message ?? String(err) });
  }
}

/** All vectors of the batch in one Float32Array, row after row. */
async function embed(texts) {
  const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: maxTokens });
  const outputs = await model(inputs);
  const pooled = pool(outputs, inputs.attention_mask);
  if (normalize) normalizeRows(pooled, pooled.length / texts.length);
  return pooled;
}

/**
 * The last hidden state of every token of the batch that stands for text, each scaled to unit
 * length, row after row in one Float32Array; `counts[i]` rows belong to text i, and `truncated[i]`
 * says text i had more tokens than fit in `maxTokens` with its special tokens. The batch is built
 * here rather than by the tokenizer, whose truncation cuts the closing [SEP] of a long text: each
 * row is the template's opening tokens, the text's first tokens, the closing tokens, then padding.
 */
async function embedTokens(texts) {
  const limit = Math.min(maxTokens, tokenizer.model_max_length ?? Infinity);
  const budget = Math.max(1, limit - template.before.length - template.after.length);
  const encoded = texts.map((text) => tokenizer.encode(text, { add_special_tokens: false }));
  const content = encoded.map((ids) => ids.slice(0, budget));
  const sequence = template.before.length + Math.max(...content.map((ids) => ids.length)) + template.after.length;
  const ids = new BigInt64Array(texts.length * sequence).fill(BigInt(tokenizer.pad_token_id ?? 0));
  const mask = new BigInt64Array(texts.length * sequence);
  content.forEach((tokens, b) => {
    const row = [...template.before, ...tokens, ...template.after];
    row.forEach((id, t) => {
      ids[b * sequence + t] = BigInt(id);
      mask[b * sequence + t] = 1n;
    });
  });
  const dims = [texts.length, sequence];
  // token_type_ids, when the model takes them, are filled with zeros by transformers.js.
  const outputs = await model({ input_ids: new Tensor('int64', ids, dims), attention_mask: new Tensor('int64', mask, dims) });
  const hidden = tokenOutput(outputs);
  const width = hidden.dims[2];
  const data = asFloat32(hidden);
  const counts = content.map((tokens) => tokens.length);
  const rows = new Float32Array(counts.reduce((sum, count) => sum + count, 0) * width);
  let row = 0;
  counts.forEach((count, b) => {
    const first = (b * sequence + template.before.length) * width;
    rows.set(data.subarray(first, first + count * width), row * width);
    row += count;
  });
  normalizeRows(rows, width);
  return { data: rows, width, counts, truncated: encoded.map((tokens) => tokens.length > budget) };
}

/** Where the text goes among the special tokens, found by encoding one word with and without them. */
function templateOf(tokenizer) {
  const bare = tokenizer.encode('a', { add_special_tokens: false });
  const full = tokenizer.encode('a');
  const at = full.findIndex((_, i) => bare.every((id, k) => full[i + k] === id));
  if (bare.length === 0 || at < 0) return { before: [], after: [] };
  return { before: full.slice(0, at), after: full.slice(at + bare.length) };
}

function tokenOutput(outputs) {
  const hidden = outputs.last_hidden_state ?? outputs.token_embeddings;
  if (!hidden) throw new Error(`the model has no token output (outputs: ${Object.keys(outputs).join(', ')})`);
  return hidden;
}

function pool(outputs, attentionMask) {
  if (pooling === 'none') {
    // The model's own pooled output (sentence-transformers exports name it sentence_embedding).
    const tensor = outputs.sentence_embedding ?? outputs.pooler_output;
    if (!tensor || tensor.dims.length !== 2) throw new Error("pooling 'none' needs a model whose output is one vector per text");
    return Float32Array.from(asFloat32(tensor));
  }
  const hidden = tokenOutput(outputs);
  const [batch, sequence, width] = hidden.dims;
  const data = asFloat32(hidden);
  const result = new Float32Array(batch * width);
  if (pooling === 'cls') {
    for (let b = 0; b < batch; b++) result.set(data.subarray(b * sequence * width, b * sequence * width + width), b * width);
    return result;
  }
  const mask = attentionMask.data;
  for (let b = 0; b < batch; b++) {
    let count = 0;
    const row = result.subarray(b * width, (b + 1) * width);
    for (let t = 0; t < sequence; t++) {
      if (Number(mask[b * sequence + t]) === 0) continue;
      count++;
      const offset = (b * sequence + t) * width;
      for (let d = 0; d < width; d++) row[d] += data[offset + d];
    }
    if (count > 0) for (let d = 0; d < width; d++) row[d] /= count;
  }
  return result;
}

function asFloat32(tensor) {
  return tensor.type === 'float32' ? tensor.data : tensor.to('float32').data;
}

function normalizeRows(data, width) {
  for (let offset = 0; offset < data.length; offset += width) {
    let sum = 0;
    for (let d = 0; d < width; d++) sum += data[offset + d] * data[offset + d];
    if (sum === 0) continue;
    const scale = 1 / Math.sqrt(sum);
    for (let d = 0; d < width; d++) data[offset + d] *= scale;
  }
}
