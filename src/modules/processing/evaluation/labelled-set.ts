import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../../../config/config.loader.js';
import type { Relevance } from './retrieval-metrics.js';

/** The small labelled set that ships with TARS (see README, "Evaluating embedding models"). */
export const SAMPLE_SET_FILE = join(PACKAGE_ROOT, 'eval', 'embeddings-sample.json');

/** One passage of the corpus the queries are run against. */
export interface LabelledDocument {
  id: string;
  text: string;
}

/** A query with its relevance judgements (grade > 0 = relevant; a plain list of ids means grade 1 each). */
export interface LabelledQuery {
  query: string;
  relevant: Relevance;
}

/** Two sentences and a human similarity score from 0 (unrelated) to 5 (same meaning). */
export interface ScoredPair {
  a: string;
  b: string;
  score: number;
}

/** A validated evaluation set (see README, "Evaluating embedding models"). */
export interface LabelledSet {
  name: string;
  corpus: LabelledDocument[];
  queries: LabelledQuery[];
  /** Empty when the file has none. */
  pairs: ScoredPair[];
}

/** A set file that cannot be used; `problems` name the field and the entry of each. */
export class LabelledSetError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid evaluation set:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const nonEmpty = z.string().refine((s) => s.trim() !== '', 'must not be empty');

const relevantSchema = z.union([z.array(nonEmpty).min(1), z.record(nonEmpty, z.number().min(0).max(1000))], {
  error: 'must be a non-empty list of corpus ids ["id", ...] or an object of grades {"id": 2, ...}',
});

const setSchema = z
  .strictObject({
    name: nonEmpty,
    description: z.string().optional(),
    corpus: z.array(z.strictObject({ id: nonEmpty, text: nonEmpty })).min(1),
    queries: z.array(z.strictObject({ query: nonEmpty, relevant: relevantSchema })).min(1),
    // Two pairs at least: a rank correlation of one pair means nothing.
    pairs: z.array(z.strictObject({ a: nonEmpty, b: nonEmpty, score: z.number().min(0).max(5) })).min(2).optional(),
  })
  .superRefine((set, ctx) => {
    const ids = new Set<string>();
    set.corpus.forEach((doc, i) => {
      if (ids.has(doc.id)) ctx.addIssue({ code: 'custom', path: ['corpus', i, 'id'], message: `duplicate id '${doc.id}'` });
      ids.add(doc.id);
    });
    set.queries.forEach((query, i) => {
      const path = ['queries', i, 'relevant'];
      const graded = Array.isArray(query.relevant) ? undefined : query.relevant;
      const listed = Array.isArray(query.relevant) ? query.relevant : Object.keys(query.relevant);
      listed.forEach((id, j) => {
        const at = graded ? [...path, id] : [...path, j];
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: at, message: `'${id}' is not an id of the corpus` });
        if (!graded && listed.indexOf(id) !== j) ctx.addIssue({ code: 'custom', path: at, message: `'${id}' is listed twice` });
      });
      if (graded && !Object.values(graded).some((grade) => grade > 0)) {
        ctx.addIssue({ code: 'custom', path, message: 'needs at least one grade above 0 (a query with nothing relevant cannot be scored)' });
      }
    });
  });

/** `queries.3.relevant` -> `queries[3].relevant`, the way the file is written. */
function describePath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

/**
 * Validates a parsed set file, reporting every problem rather than the first. Cross-references
 * (duplicate ids, relevant ids missing from the corpus) are checked once the structure is valid.
 */
export function parseLabelledSet(value: unknown, source = 'evaluation set'): LabelledSet {
  const result = setSchema.safeParse(value);
  if (!result.success) {
    throw new LabelledSetError(
      source,
      result.error.issues.map((issue) => `${issue.path.length ? describePath(issue.path) : 'top level'}: ${issue.message}`),
    );
  }
  const { name, corpus, queries, pairs = [] } = result.data;
  return {
    name,
    corpus,
    queries: queries.map(({ query, relevant }) => ({
      query,
      relevant: new Map(Array.isArray(relevant) ? relevant.map((id): [string, number] => [id, 1]) : Object.entries(relevant)),
    })),
    pairs,
  };
}

/** Reads and validates a set file (JSON). */
export function readLabelledSet(file: string): LabelledSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabelledSetError(file, [`cannot be read: ${(err as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LabelledSetError(file, [`is not valid JSON: ${(err as Error).message}`]);
  }
  return parseLabelledSet(value, file);
}
