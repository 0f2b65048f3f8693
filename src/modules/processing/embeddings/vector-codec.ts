import { normalizeInPlace } from './vector-math.js';

/** How cached vectors are stored: fp16 (2 bytes per number) or int8 with one scale per vector (1 byte). */
export type VectorStorage = 'fp16' | 'int8';

const FP16 = 1;
const INT8 = 2;

/**
 * A vector as compact bytes: one tag byte, then fp16 numbers, or a float32 scale followed by int8
 * numbers. Little-endian whatever the machine, because the shared cache crosses machines.
 */
export function encodeVector(vector: Float32Array, storage: VectorStorage): Uint8Array {
  if (storage === 'fp16') {
    const bytes = new Uint8Array(1 + 2 * vector.length);
    const view = new DataView(bytes.buffer);
    bytes[0] = FP16;
    for (let i = 0; i < vector.length; i++) view.setUint16(1 + 2 * i, toHalf(vector[i]), true);
    return bytes;
  }
  let maxAbs = 0;
  for (const value of vector) maxAbs = Math.max(maxAbs, Math.abs(value));
  const scale = maxAbs / 127;
  const bytes = new Uint8Array(5 + vector.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = INT8;
  view.setFloat32(1, scale, true);
  for (let i = 0; i < vector.length; i++) view.setInt8(5 + i, scale === 0 ? 0 : Math.round(vector[i] / scale));
  return bytes;
}

/** The vector back from `encodeVector`; rescaled to unit length when `normalize` (quantisation shifts the norm slightly). */
export function decodeVector(bytes: Uint8Array, normalize: boolean): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let vector: Float32Array;
  if (bytes[0] === FP16) {
    vector = new Float32Array((bytes.length - 1) / 2);
    const table = halfTable();
    for (let i = 0; i < vector.length; i++) vector[i] = table[view.getUint16(1 + 2 * i, true)];
  } else if (bytes[0] === INT8) {
    const scale = view.getFloat32(1, true);
    vector = new Float32Array(bytes.length - 5);
    for (let i = 0; i < vector.length; i++) vector[i] = view.getInt8(5 + i) * scale;
  } else {
    throw new Error(`unknown vector encoding ${bytes[0]}`);
  }
  return normalize ? normalizeInPlace(vector) : vector;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE 754 half, rounding to nearest even (Float16Array is not in Node 20). */
function toHalf(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    return sign | roundShift(mantissa, 14 - halfExponent);
  }
  // A carry out of the mantissa correctly bumps the exponent.
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return rest > halfway || (rest === halfway && kept & 1) ? kept + 1 : kept;
}

let table: Float32Array | undefined;

function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) table[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) table[h] = mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else table[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
}
