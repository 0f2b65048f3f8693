// Worker thread entry point of the transformers.js provider: loads one model (tokenizer + ONNX
// session) and turns batches of texts into pooled vectors, so that ONNX work never blocks the
// main event loop. Plain JavaScript because it is started from both dist/ and the TS sources.
// Protocol: see worker-channel.ts (ready | start-failed, then one result per { id, payload }).
import { parentPort, workerData } from 'node:worker_threads';
import { AutoModel, AutoTokenizer, env } from '@huggingface/transformers';

const { source, dtype, pooling, normalize, maxTokens, modelsDir, allowRemoteModels } = workerData;

env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
env.cacheDir = modelsDir; // models fetched from the hub land where local models are looked up
env.allowLocalModels = true;
env.allowRemoteModels = allowRemoteModels;

let tokenizer;
let model;
try {
  tokenizer = await AutoTokenizer.from_pretrained(source);
  model = await AutoModel.from_pretrained(source, { dtype });
  parentPort.postMessage({ type: 'ready' });
} catch (err) {
  parentPort.postMessage({ type: 'start-failed', message: `cannot load '${source}' (${dtype}): ${err?.message ?? err}` });
}

// One batch at a time: ONNX Runtime already uses every core for one run.
let queue = Promise.resolve();
parentPort.on('message', ({ id, payload }) => {
  queue = queue.then(() => run(id, payload.texts));
});

async function run(id, texts) {
  try {
    const vectors = await embed(texts);
    parentPort.postMessage({ type: 'result', id, ok: true, payload: vectors }, [vectors.buffer]);
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

function pool(outputs, attentionMask) {
  if (pooling === 'none') {
    // The model's own pooled output (sentence-transformers exports name it sentence_embedding).
    const tensor = outputs.sentence_embedding ?? outputs.pooler_output;
    if (!tensor || tensor.dims.length !== 2) throw new Error("pooling 'none' needs a model whose output is one vector per text");
    return Float32Array.from(asFloat32(tensor));
  }
  const hidden = outputs.last_hidden_state ?? outputs.token_embeddings;
  if (!hidden) throw new Error(`the model has no token output (outputs: ${Object.keys(outputs).join(', ')})`);
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
