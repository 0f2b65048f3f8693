import { describe, expect, it } from 'vitest';
import type { NumberedAnswer, ImportedAnswer } from './answer-file.js';
import { importInBatches } from './import-answers.js';

const answers = (n: number): NumberedAnswer[] =>
  Array.from({ length: n }, (_, i) => ({ line: i + 2, value: { question: `Question ${i + 1}?`, answer: `Answer ${i + 1}.` } }));

describe('importInBatches', () => {
  it('sends the answers in batches of at most the batch size and adds up what the node says', async () => {
    const sent: ImportedAnswer[][] = [];
    const totals = await importInBatches(
      async (batch) => {
        sent.push(batch);
        return { status: 200, body: { imported: batch.length - 1, skipped: 1 } };
      },
      answers(7),
      3,
    );
    expect(sent.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(sent.flat().map((a) => a.question)).toEqual(answers(7).map((a) => a.value.question));
    expect(totals).toEqual({ imported: 4, skipped: 3, batches: 3 });
  });

  it('stops at a refused batch, naming its lines and what was imported before it', async () => {
    let calls = 0;
    const send = async () => {
      calls += 1;
      if (calls === 2) return { status: 403, body: { statusCode: 403, code: 'forbidden', message: 'this key lacks the admin scope' } };
      return { status: 200, body: { imported: 2, skipped: 0 } };
    };
    await expect(importInBatches(send, answers(5), 2)).rejects.toThrow(
      'batch 2 of 3 (lines 4–5) was not imported: 403 forbidden: this key lacks the admin scope (importing needs a key with the admin scope). ' +
        '2 answers were imported before it; importing the file again skips them.',
    );
    expect(calls).toBe(2);
  });

  it('says so when the node cannot be reached', async () => {
    const send = async () => {
      throw new Error('cannot reach http://127.0.0.1:9: ECONNREFUSED');
    };
    await expect(importInBatches(send, answers(1))).rejects.toThrow(/batch 1 of 1 \(lines 2–2\) was not imported: cannot reach .*ECONNREFUSED/);
  });
});
