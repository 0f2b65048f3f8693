#!/usr/bin/env node
// Writes a tiny llama-architecture GGUF model with seeded random weights, so that the llama.cpp
// backend can be tested end to end without downloading a model (none can be downloaded here).
// Its text is meaningless; what it guarantees:
//   - it loads in llama.cpp (GGUF v3, f32 tensors, SentencePiece-style "llama" vocabulary);
//   - only plain ASCII word tokens can win the sampler: the output rows of <unk>, <s>, </s> and the
//     byte tokens are zero (logit 0) while word logits spread with a std of ~5, so a reply never
//     ends by itself (end-of-generation is practically unreachable) and always decodes to text.
// Usage: node scripts/make-tiny-gguf.mjs <out.gguf> [--seed N]
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
const GGUF_VERSION = 3;
const ALIGNMENT = 32;
const GGML_TYPE_F32 = 0;
const VALUE = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 };
const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 };

const WORDS = (
  'the of and to in is was for on that with as by at from it an be this are or his had not but what all were when we ' +
  'there can more one has her their time if would about been which so out up them some into could then other its ' +
  'only new also after first these two may any most over such where through very well just our how even because ' +
  'robot star light model token river stone cloud green quiet music paper window garden'
).split(' ');

/** Deterministic PRNG (mulberry32) so that a seed always gives the same model. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The vocabulary: control tokens, the 256 byte-fallback tokens, single letters, then whole words. */
function buildVocab() {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [TOKEN_TYPE.UNKNOWN, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_TYPE.BYTE);
  }
  const firstText = tokens.length;
  const pieces = ['▁', ...'abcdefghijklmnopqrstuvwxyz'.split(''), ...WORDS.map((w) => `▁${w}`)];
  for (const piece of pieces) {
    tokens.push(piece);
    types.push(TOKEN_TYPE.NORMAL);
  }
  // SentencePiece merges by score: longer pieces win, so words tokenize as one token.
  const scores = tokens.map((t, i) => (i < firstText ? 0 : -1000 + 10 * [...t].length - i / 1000));
  return { tokens, types, scores, firstText };
}

class Writer {
  chunks = [];
  length = 0;
  push(buf) {
    this.chunks.push(buf);
    this.length += buf.length;
  }
  u32(v) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s) {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad() {
    const rest = this.length % ALIGNMENT;
    if (rest !== 0) this.push(Buffer.alloc(ALIGNMENT - rest));
  }
}

function writeKv(w, key, type, value) {
  w.str(key);
  w.u32(type);
  if (type === VALUE.UINT32) w.u32(value);
  else if (type === VALUE.FLOAT32) w.f32(value);
  else if (type === VALUE.STRING) w.str(value);
  else if (type === VALUE.BOOL) w.push(Buffer.from([value ? 1 : 0]));
  else if (type === VALUE.ARRAY) {
    const [elementType, items] = value;
    w.u32(elementType);
    w.u64(items.length);
    for (const item of items) {
      if (elementType === VALUE.STRING) w.str(item);
      else if (elementType === VALUE.FLOAT32) w.f32(item);
      else if (elementType === VALUE.INT32) w.i32(item);
      else throw new Error(`array of type ${elementType} not supported`);
    }
  } else throw new Error(`value type ${type} not supported`);
}

/**
 * Builds the GGUF bytes of a tiny llama model.
 * @param {{ seed?: number, embedding?: number, layers?: number, heads?: number, feedForward?: number, contextLength?: number }} [options]
 */
export function tinyLlamaGguf(options = {}) {
  const { seed = 42, embedding = 64, layers = 2, heads = 4, feedForward = 128, contextLength = 512 } = options;
  const random = prng(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const vocab = buildVocab();
  const nVocab = vocab.tokens.length;

  const tensors = [];
  const randomTensor = (name, dims, std) => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = gaussian() * std;
    tensors.push({ name, dims, data });
    return data;
  };
  const onesTensor = (name, size) => tensors.push({ name, dims: [size], data: new Float32Array(size).fill(1) });

  randomTensor('token_embd.weight', [embedding, nVocab], 0.5);
  onesTensor('output_norm.weight', embedding);
  // ggml dims are [columns, rows]: row t of output.weight scores token t (logit = row . hidden).
  const output = randomTensor('output.weight', [embedding, nVocab], 5 / Math.sqrt(embedding));
  output.fill(0, 0, vocab.firstText * embedding);
  for (let l = 0; l < layers; l++) {
    const std = 0.5 / Math.sqrt(embedding);
    onesTensor(`blk.${l}.attn_norm.weight`, embedding);
    randomTensor(`blk.${l}.attn_q.weight`, [embedding, embedding], std);
    randomTensor(`blk.${l}.attn_k.weight`, [embedding, embedding], std);
    randomTensor(`blk.${l}.attn_v.weight`, [embedding, embedding], std);
    randomTensor(`blk.${l}.attn_output.weight`, [embedding, embedding], std);
    onesTensor(`blk.${l}.ffn_norm.weight`, embedding);
    randomTensor(`blk.${l}.ffn_gate.weight`, [embedding, feedForward], std);
    randomTensor(`blk.${l}.ffn_up.weight`, [embedding, feedForward], std);
    randomTensor(`blk.${l}.ffn_down.weight`, [feedForward, embedding], 0.5 / Math.sqrt(feedForward));
  }

  const kv = [
    ['general.architecture', VALUE.STRING, 'llama'],
    ['general.name', VALUE.STRING, 'tars-tiny-random'],
    ['general.alignment', VALUE.UINT32, ALIGNMENT],
    ['llama.context_length', VALUE.UINT32, contextLength],
    ['llama.embedding_length', VALUE.UINT32, embedding],
    ['llama.block_count', VALUE.UINT32, layers],
    ['llama.feed_forward_length', VALUE.UINT32, feedForward],
    ['llama.rope.dimension_count', VALUE.UINT32, embedding / heads],
    ['llama.attention.head_count', VALUE.UINT32, heads],
    ['llama.attention.head_count_kv', VALUE.UINT32, heads],
    ['llama.attention.layer_norm_rms_epsilon', VALUE.FLOAT32, 1e-5],
    ['llama.vocab_size', VALUE.UINT32, nVocab],
    ['tokenizer.ggml.model', VALUE.STRING, 'llama'],
    ['tokenizer.ggml.tokens', VALUE.ARRAY, [VALUE.STRING, vocab.tokens]],
    ['tokenizer.ggml.scores', VALUE.ARRAY, [VALUE.FLOAT32, vocab.scores]],
    ['tokenizer.ggml.token_type', VALUE.ARRAY, [VALUE.INT32, vocab.types]],
    ['tokenizer.ggml.unknown_token_id', VALUE.UINT32, 0],
    ['tokenizer.ggml.bos_token_id', VALUE.UINT32, 1],
    ['tokenizer.ggml.eos_token_id', VALUE.UINT32, 2],
    ['tokenizer.ggml.add_bos_token', VALUE.BOOL, true],
    ['tokenizer.ggml.add_eos_token', VALUE.BOOL, false],
  ];

  const w = new Writer();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const [key, type, value] of kv) writeKv(w, key, type, value);
  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += Math.ceil(t.data.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  w.pad();
  for (const t of tensors) {
    w.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad();
  }
  return Buffer.concat(w.chunks, w.length);
}

/** Writes the tiny model to `path` (see tinyLlamaGguf for the options). */
export function writeTinyLlamaGguf(path, options) {
  writeFileSync(path, tinyLlamaGguf(options));
  return path;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, flag, value] = process.argv.slice(2);
  if (!out) {
    console.error('usage: node scripts/make-tiny-gguf.mjs <out.gguf> [--seed N]');
    process.exit(2);
  }
  writeTinyLlamaGguf(out, flag === '--seed' ? { seed: Number(value) } : {});
  console.log(`wrote ${out}`);
}
