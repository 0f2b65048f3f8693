/** A recognised file format, by its leading bytes. */
export interface FileSignature {
  /** Short stable name, reported in error details (e.g. `png`, `zip`, `docx`). */
  name: string;
  /** What to tell the owner. */
  description: string;
}

interface SignatureRule extends FileSignature {
  /** Byte sequences that must all be present, each at its offset. */
  parts: ReadonlyArray<{ offset: number; bytes: ReadonlyArray<number> }>;
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
const at = (offset: number, bytes: ReadonlyArray<number> | string) => ({ offset, bytes: typeof bytes === 'string' ? ascii(bytes) : bytes });

// Only signatures that cannot begin an ordinary text file (control bytes, or several parts that
// must all match). Short ones such as "MZ" or "BM" are left to the binary-content check.
const RULES: ReadonlyArray<SignatureRule> = [
  { name: 'png', description: 'a PNG image', parts: [at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])] },
  { name: 'jpeg', description: 'a JPEG image', parts: [at(0, [0xff, 0xd8, 0xff])] },
  { name: 'gif', description: 'a GIF image', parts: [at(0, 'GIF87a')] },
  { name: 'gif', description: 'a GIF image', parts: [at(0, 'GIF89a')] },
  { name: 'tiff', description: 'a TIFF image', parts: [at(0, [0x49, 0x49, 0x2a, 0x00])] },
  { name: 'tiff', description: 'a TIFF image', parts: [at(0, [0x4d, 0x4d, 0x00, 0x2a])] },
  { name: 'webp', description: 'a WebP image', parts: [at(0, 'RIFF'), at(8, 'WEBP')] },
  { name: 'wav', description: 'a WAV audio file', parts: [at(0, 'RIFF'), at(8, 'WAVE')] },
  { name: 'avi', description: 'an AVI video', parts: [at(0, 'RIFF'), at(8, 'AVI ')] },
  { name: 'iso-media', description: 'an MP4/MOV video or HEIC/AVIF image', parts: [at(0, [0, 0]), at(4, 'ftyp')] },
  { name: 'mp3', description: 'an MP3 audio file', parts: [at(0, [0x49, 0x44, 0x33, 0x03])] },
  { name: 'mp3', description: 'an MP3 audio file', parts: [at(0, [0x49, 0x44, 0x33, 0x04])] },
  { name: 'ogg', description: 'an Ogg media file', parts: [at(0, [0x4f, 0x67, 0x67, 0x53, 0x00])] },
  { name: 'flac', description: 'a FLAC audio file', parts: [at(0, 'fLaC')] },
  { name: 'matroska', description: 'a Matroska/WebM video', parts: [at(0, [0x1a, 0x45, 0xdf, 0xa3])] },
  { name: 'zip', description: 'a zip archive', parts: [at(0, [0x50, 0x4b, 0x03, 0x04])] },
  { name: 'zip', description: 'a zip archive', parts: [at(0, [0x50, 0x4b, 0x05, 0x06])] },
  { name: 'gzip', description: 'a gzip archive', parts: [at(0, [0x1f, 0x8b])] },
  { name: 'bzip2', description: 'a bzip2 archive', parts: [at(0, 'BZh'), at(4, '1AY&SY')] },
  { name: 'xz', description: 'an xz archive', parts: [at(0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])] },
  { name: '7z', description: 'a 7-Zip archive', parts: [at(0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])] },
  { name: 'rar', description: 'a RAR archive', parts: [at(0, 'Rar!\x1a\x07')] },
  { name: 'zstd', description: 'a Zstandard archive', parts: [at(0, [0x28, 0xb5, 0x2f, 0xfd])] },
  { name: 'ole2', description: 'a legacy Office document (doc, xls, ppt)', parts: [at(0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])] },
  { name: 'elf', description: 'an executable (ELF)', parts: [at(0, [0x7f, 0x45, 0x4c, 0x46])] },
  { name: 'mach-o', description: 'an executable (Mach-O)', parts: [at(0, [0xcf, 0xfa, 0xed, 0xfe])] },
  { name: 'mach-o', description: 'an executable (Mach-O)', parts: [at(0, [0xce, 0xfa, 0xed, 0xfe])] },
  { name: 'wasm', description: 'a WebAssembly module', parts: [at(0, [0x00, 0x61, 0x73, 0x6d])] },
  { name: 'sqlite', description: 'an SQLite database', parts: [at(0, 'SQLite format 3\0')] },
  { name: 'rtf', description: 'an RTF document', parts: [at(0, '{\\rtf')] },
  { name: 'postscript', description: 'a PostScript file', parts: [at(0, '%!PS')] },
];

/** Office Open XML and OpenDocument files are zip archives; their first entries say which. */
const ZIP_FLAVOURS: ReadonlyArray<[marker: string, signature: FileSignature]> = [
  ['word/', { name: 'docx', description: 'a Word document (docx)' }],
  ['xl/', { name: 'xlsx', description: 'an Excel workbook (xlsx)' }],
  ['ppt/', { name: 'pptx', description: 'a PowerPoint presentation (pptx)' }],
  ['application/epub+zip', { name: 'epub', description: 'an EPUB book' }],
  ['application/vnd.oasis.opendocument', { name: 'opendocument', description: 'an OpenDocument file' }],
];

/** How far into a file a PDF header may start (readers accept leading junk). */
const PDF_HEADER_WINDOW = 1024;

/** True when the bytes hold the `%PDF-` header near their start. */
export function isPdf(bytes: Uint8Array): boolean {
  const window = bytes.subarray(0, PDF_HEADER_WINDOW);
  return Buffer.from(window.buffer, window.byteOffset, window.byteLength).includes('%PDF-');
}

/** The non-text format the bytes start with, if they start like one TARS knows. */
export function matchFileSignature(bytes: Uint8Array): FileSignature | undefined {
  const rule = RULES.find((r) => r.parts.every((part) => startsWith(bytes, part.bytes, part.offset)));
  if (!rule) return undefined;
  if (rule.name !== 'zip') return { name: rule.name, description: rule.description };
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('latin1');
  return ZIP_FLAVOURS.find(([marker]) => head.includes(marker))?.[1] ?? { name: rule.name, description: rule.description };
}

function startsWith(bytes: Uint8Array, prefix: ReadonlyArray<number>, offset: number): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((b, i) => bytes[offset + i] === b);
}
