// Embedding throughput, latency and memory: TARS's EmbeddingEngine (transformers.js in a worker
// thread) next to a minimal direct onnxruntime-node script (same tokenizer, InferenceSession,
// mean pooling, L2 normalisation), with the fixture model in fp32 and q8, batch 1 and 32.
// Every measurement runs in a fresh child process (so peak RSS is its own), rounds are
// interleaved, and medians are reported.
//
//   npx tsc -p tsconfig.json && node bench/embeddings.mjs [--rounds 3] [--models-dir ../shared/models]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MODEL = 'minilm-l6-random';
const SENTENCE_COUNT = 200;
const PASSES = 3; // each measurement embeds the 200 sentences this many times

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
    return list[seed % list.length];
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
    const mask = enc.attention_mask.data;
    const vectors = [];
    for (let b = 0; b < batch; b++) {
      const v = new Float32Array(width);
      let count = 0;
      for (let t = 0; t < sequence; t++) {
        if (!mask[b * sequence + t]) continue;
        count++;
        const offset = (b * sequence + t) * width;
        for (let d = 0; d < width; d++) v[d] += hidden.data[offset + d];
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

async function measure(impl, dtype, batch) {
  const texts = sentences(SENTENCE_COUNT);
  const loadStart = performance.now();
  const embed = impl === 'engine' ? await engineEmbedder(dtype) : await rawEmbedder(dtype);
  await embed(texts.slice(0, batch)); // first run: the engine loads the model here
  const loadMs = performance.now() - loadStart;
  await embed(texts.slice(0, 32)); // warm-up
  const perText = [];
  const started = performance.now();
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < texts.length; i += batch) {
      const slice = texts.slice(i, i + batch);
      const t0 = performance.now();
      const vectors = await embed(slice);
      const ms = performance.now() - t0;
      if (vectors.length !== slice.length || vectors[0].length !== 384) throw new Error('wrong output shape');
      for (let k = 0; k < slice.length; k++) perText.push(ms / slice.length);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    textsPerSecond: (PASSES * texts.length) / seconds,
    p50Ms: median(perText),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    loadMs,
  };
}

if (process.argv[2] === '--child') {
  const [impl, dtype, batch] = process.argv.slice(3);
  const result = await measure(impl, dtype, Number(batch));
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------- parent: rounds and table
if (!existsSync(path.join(root, 'dist/modules/processing/embeddings/embedding-engine.js'))) {
  console.error('dist/ has no embedding engine: build first with `npx tsc -p tsconfig.json`');
  process.exit(2);
}
if (!existsSync(path.join(modelsDir, MODEL, 'onnx', 'model.onnx'))) {
  console.error(`fixture model not found in ${modelsDir} (use --models-dir)`);
  process.exit(2);
}

const rounds = Number(flag('rounds', '3'));
const configs = [];
for (const dtype of ['fp32', 'q8']) for (const batch of [1, 32]) for (const impl of ['onnxruntime-node', 'engine']) configs.push({ impl, dtype, batch });
const samples = new Map(configs.map((c) => [JSON.stringify(c), []]));
for (let round = 1; round <= rounds; round++) {
  for (const c of round % 2 ? configs : [...configs].reverse()) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', c.impl === 'engine' ? 'engine' : 'raw', c.dtype, String(c.batch), '--models-dir', modelsDir], {
      cwd: root,
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      console.error(run.stderr);
      process.exit(1);
    }
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1));
    samples.get(JSON.stringify(c)).push(result);
    process.stderr.write(`round ${round}/${rounds} ${c.impl} ${c.dtype} batch ${c.batch}: ${result.textsPerSecond.toFixed(0)} texts/s\n`);
  }
}

const summary = configs.map((c) => {
  const runs = samples.get(JSON.stringify(c));
  return {
    ...c,
    textsPerSecond: median(runs.map((r) => r.textsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    loadMs: median(runs.map((r) => r.loadMs)),
  };
});
const find = (impl, dtype, batch) => summary.find((s) => s.impl === impl && s.dtype === dtype && s.batch === batch);

console.log(`\nEmbeddings, ${MODEL} (${SENTENCE_COUNT} sentences of 10-25 words x ${PASSES} passes, median of ${rounds} rounds)`);
console.log(`machine: ${cpus().length} cores, ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}\n`);
console.log('| runner | dtype | batch | texts/s | p50 ms per text | peak RSS MiB | load ms | engine overhead |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of summary) {
  let overhead = '';
  if (s.impl === 'engine') {
    const raw = find('onnxruntime-node', s.dtype, s.batch);
    overhead = `${((raw.textsPerSecond / s.textsPerSecond - 1) * 100).toFixed(1)} %`;
  }
  console.log(`| ${s.impl === 'engine' ? 'TARS EmbeddingEngine' : 'direct onnxruntime-node'} | ${s.dtype} | ${s.batch} | ${s.textsPerSecond.toFixed(0)} | ${s.p50Ms.toFixed(2)} | ${s.peakRssMiB.toFixed(0)} | ${s.loadMs.toFixed(0)} | ${overhead} |`);
}
console.log('\nengine overhead = extra time per text relative to the direct script (raw texts/s / engine texts/s - 1)');
