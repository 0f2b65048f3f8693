import { createHash } from 'node:crypto';
import { z } from 'zod';

const itemId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0);

const manifestSchema = z
  .strictObject({
    format: z.literal(1),
    modelId: z.string().min(1),
    dimensions: z.number().int().min(1),
    kind: z.enum(['flat', 'flat-int8', 'hnsw', 'hnsw-int8']),
    hnswM: z.number().int().min(2),
    /** Name of the faiss file in the same folder (a new name per save, so the old file stays valid until the manifest moves). */
    indexFile: z.string().regex(/^index-\d+\.faiss$/),
    indexBytes: count,
    indexSha256: z.string().regex(/^[0-9a-f]{64}$/),
    generation: z.number().int().min(1),
    /** Vectors in the faiss file, tombstoned ones included. */
    stored: count,
    live: count,
    /** faiss label (position) → item id. */
    ids: z.array(itemId),
    /** Positions of removed items, still in the faiss file until compaction. */
    tombstones: z.array(count),
    /** The highest source sequence this index has caught up with. */
    watermark: count,
    savedAt: z.string(),
  })
  .superRefine((m, ctx) => {
    if (m.ids.length !== m.stored) ctx.addIssue({ code: 'custom', message: `${m.ids.length} ids for ${m.stored} stored vectors` });
    if (m.live !== m.stored - m.tombstones.length) ctx.addIssue({ code: 'custom', message: `live ${m.live} ≠ stored ${m.stored} − ${m.tombstones.length} tombstones` });
    if (m.tombstones.some((position) => position >= m.stored)) ctx.addIssue({ code: 'custom', message: 'a tombstone points past the stored vectors' });
    if (new Set(m.tombstones).size !== m.tombstones.length) ctx.addIssue({ code: 'custom', message: 'duplicate tombstones' });
  });

/** What is saved next to a faiss index file: what it holds, how to check it, and how fresh it is. */
export type IndexManifest = z.output<typeof manifestSchema>;

const envelopeSchema = z.strictObject({ sha256: z.string(), manifest: z.unknown() });

function digest(manifest: unknown): string {
  return createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
}

/** The manifest as file content, with its own checksum (a flipped digit in an id must not pass). */
export function encodeManifest(manifest: IndexManifest): string {
  return JSON.stringify({ sha256: digest(manifest), manifest });
}

/** The manifest in `text`, or why it cannot be trusted. */
export function decodeManifest(text: string): { manifest: IndexManifest } | { problem: string } {
  let envelope: z.output<typeof envelopeSchema>;
  try {
    envelope = envelopeSchema.parse(JSON.parse(text));
  } catch (err) {
    return { problem: `the manifest is not readable JSON of the expected form (${(err as Error).message.slice(0, 200)})` };
  }
  if (digest(envelope.manifest) !== envelope.sha256) return { problem: 'the manifest does not match its checksum' };
  const parsed = manifestSchema.safeParse(envelope.manifest);
  if (!parsed.success) return { problem: `the manifest is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` };
  return { manifest: parsed.data };
}
