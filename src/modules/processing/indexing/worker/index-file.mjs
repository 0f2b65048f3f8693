// Writing and reading faiss index files from the worker: write + fsync + checksum, and a read that
// checks size, checksum and kind before faiss sees the bytes (faiss trusts what it reads: a
// damaged file can make it allocate absurd sizes or abort the process).
import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { closeSync, copyFileSync, fsyncSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { FOURCC_OF_KIND, isHnsw, readFaissIndex } from './faiss-kinds.mjs';
import { readHnswEfSearch, setHnswEfSearchInFile } from './hnsw-params.mjs';

/** The index file does not match its manifest: its content cannot be trusted. */
export class CorruptIndexFileError extends Error {
  name = 'CorruptIndexFileError';
}

/**
 * Writes the index to `file`, flushes it to the disk, and returns its size and SHA-256.
 * @param {import('faiss-node').Index} index
 * @param {string} file
 */
export function writeIndexFile(index, file) {
  index.write(file);
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return digestFile(file);
}

/**
 * Reads an index file after checking it is the one the manifest describes; sets efSearch when
 * an HNSW file was saved with another value (on a private copy, so the saved file keeps its checksum).
 * @param {string} file
 * @param {{ bytes: number; sha256: string; kind: string; efSearch: number }} expected
 */
export function readVerifiedIndexFile(file, expected) {
  let size;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new CorruptIndexFileError(`cannot read ${file}: ${err.message}`);
  }
  if (size !== expected.bytes) throw new CorruptIndexFileError(`${file} has ${size} bytes, the manifest says ${expected.bytes}`);
  const { sha256 } = digestFile(file);
  if (sha256 !== expected.sha256) throw new CorruptIndexFileError(`${file} does not match the manifest's SHA-256`);
  const fourcc = readBytes(file, 0, 4).toString('latin1');
  if (fourcc !== FOURCC_OF_KIND[expected.kind]) throw new CorruptIndexFileError(`${file} holds a '${fourcc}' index, the manifest says ${expected.kind}`);
  if (!isHnsw(expected.kind) || readHnswEfSearch(file, size) === expected.efSearch) return readFaissIndex(file);
  const copy = `${file}.efsearch.tmp`;
  try {
    copyFileSync(file, copy);
    setHnswEfSearchInFile(copy, size, expected.efSearch);
    return readFaissIndex(copy);
  } finally {
    rmSync(copy, { force: true });
  }
}

/** SHA-256 (hex) and size of a file, read in 1 MiB pieces. */
export function digestFile(file) {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  const fd = openSync(file, 'r');
  let bytes = 0;
  try {
    for (let read = readSync(fd, chunk, 0, chunk.length, null); read > 0; read = readSync(fd, chunk, 0, chunk.length, null)) {
      hash.update(chunk.subarray(0, read));
      bytes += read;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), bytes };
}

function readBytes(file, offset, length) {
  const fd = openSync(file, 'r');
  try {
    const bytes = Buffer.alloc(length);
    readSync(fd, bytes, 0, length, offset);
    return bytes;
  } finally {
    closeSync(fd);
  }
}
