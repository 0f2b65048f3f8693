import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabelledSetError, parseLabelledSet, readLabelledSet, SAMPLE_SET_FILE } from './labelled-set.js';

/** A valid set; each test breaks one thing. */
function validSet(): Record<string, unknown> {
  return {
    name: 'tiny',
    corpus: [
      { id: 'boiler', text: 'The boiler was serviced in March.' },
      { id: 'tyres', text: 'Winter tyres are at the garage.' },
    ],
    queries: [
      { query: 'When was the boiler serviced?', relevant: ['boiler'] },
      { query: 'Where are the tyres?', relevant: { tyres: 2, boiler: 0 } },
    ],
    pairs: [
      { a: 'The boiler works.', b: 'The heating works.', score: 3.5 },
      { a: 'The boiler works.', b: 'Tax is due in May.', score: 0 },
    ],
  };
}

/** The problems reported for a set, or a failure when it is accepted. */
function problemsOf(value: unknown): string[] {
  try {
    parseLabelledSet(value, 'set.json');
  } catch (err) {
    expect(err).toBeInstanceOf(LabelledSetError);
    expect((err as Error).message).toMatch(/^set\.json: invalid evaluation set:/);
    return (err as LabelledSetError).problems;
  }
  throw new Error('the set was accepted');
}

describe('parseLabelledSet', () => {
  it('turns a list of ids into grade 1 each and keeps graded judgements as given', () => {
    const set = parseLabelledSet(validSet());
    expect(set.name).toBe('tiny');
    expect(set.corpus.map((d) => d.id)).toEqual(['boiler', 'tyres']);
    expect([...set.queries[0].relevant]).toEqual([['boiler', 1]]);
    expect([...set.queries[1].relevant]).toEqual([
      ['tyres', 2],
      ['boiler', 0],
    ]);
    expect(set.pairs).toHaveLength(2);
  });

  it('makes pairs optional (an empty list then)', () => {
    const { pairs: _pairs, ...withoutPairs } = validSet();
    expect(parseLabelledSet(withoutPairs).pairs).toEqual([]);
  });

  it('names the field and the entry of each structural problem, all at once', () => {
    const set = validSet();
    (set.corpus as object[])[1] = { id: 'tyres', text: '   ' };
    (set.queries as object[])[0] = { query: 'q', relevant: 'boiler' };
    (set.pairs as object[])[1] = { a: 'x', b: 'y', score: 6 };
    expect(problemsOf(set)).toEqual([
      'corpus[1].text: must not be empty',
      'queries[0].relevant: must be a non-empty list of corpus ids ["id", ...] or an object of grades {"id": 2, ...}',
      'pairs[1].score: Too big: expected number to be <=5',
    ]);
  });

  it('refuses unknown fields (a typo would otherwise be ignored silently)', () => {
    const set = validSet();
    (set.queries as object[])[0] = { query: 'q', relevent: ['boiler'] };
    expect(problemsOf({ ...set, extra: true })).toEqual(
      expect.arrayContaining(['top level: Unrecognized key: "extra"', 'queries[0]: Unrecognized key: "relevent"']),
    );
  });

  it('refuses relevant ids missing from the corpus, listed twice, or graded 0 only', () => {
    const set = validSet();
    set.queries = [
      { query: 'a', relevant: ['boiler', 'roof', 'boiler'] },
      { query: 'b', relevant: { tyres: 0 } },
      { query: 'c', relevant: { car: 1 } },
    ];
    expect(problemsOf(set)).toEqual([
      "queries[0].relevant[1]: 'roof' is not an id of the corpus",
      "queries[0].relevant[2]: 'boiler' is listed twice",
      'queries[1].relevant: needs at least one grade above 0 (a query with nothing relevant cannot be scored)',
      "queries[2].relevant.car: 'car' is not an id of the corpus",
    ]);
  });

  it('refuses duplicate corpus ids, empty lists and a single pair', () => {
    const duplicate = validSet();
    (duplicate.corpus as object[]).push({ id: 'boiler', text: 'again' });
    expect(problemsOf(duplicate)).toEqual(["corpus[2].id: duplicate id 'boiler'"]);
    expect(problemsOf({ ...validSet(), queries: [] })).toEqual(['queries: Too small: expected array to have >=1 items']);
    expect(problemsOf({ ...validSet(), pairs: [{ a: 'x', b: 'y', score: 1 }] })).toEqual([
      'pairs: Too small: expected array to have >=2 items',
    ]);
    expect(problemsOf([])).toEqual(['top level: Invalid input: expected object, received array']);
  });
});

describe('readLabelledSet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tars-eval-set-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file when it is missing or not JSON', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"name": ');
    expect(() => readLabelledSet(broken)).toThrow(/broken\.json: invalid evaluation set:\n {2}- is not valid JSON/);
    expect(() => readLabelledSet(join(dir, 'missing.json'))).toThrow(/missing\.json: invalid evaluation set:\n {2}- cannot be read: ENOENT/);
  });

  it('accepts the sample set that ships with TARS: ~40 passages, ~20 queries with 1 to 3 relevant each, ~20 pairs', () => {
    const set = readLabelledSet(SAMPLE_SET_FILE);
    expect(set.corpus.length).toBeGreaterThanOrEqual(40);
    expect(set.queries.length).toBeGreaterThanOrEqual(20);
    expect(set.pairs.length).toBeGreaterThanOrEqual(20);
    for (const query of set.queries) expect(query.relevant.size).toBeGreaterThanOrEqual(1);
    for (const query of set.queries) expect(query.relevant.size).toBeLessThanOrEqual(3);
  });
});
