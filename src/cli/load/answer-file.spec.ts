import { describe, expect, it } from 'vitest';
import { parseAnswerFile } from './answer-file.js';

const line = (value: unknown) => JSON.stringify(value);

describe('parseAnswerFile', () => {
  it('reads question, answer, score and timestamps, with line numbers', () => {
    const text = [
      '# exported from the old assistant',
      line({ question: 'Capital of France?', answer: 'Paris.', score: 0.92, askedAt: '2024-05-01T10:00:00Z', answeredAt: '2024-05-01T10:00:03Z' }),
      '',
      line({ question: ' Two plus two? ', answer: 'Four.' }),
    ].join('\n');
    expect(parseAnswerFile('a.jsonl', text, false)).toEqual({
      answers: [
        {
          line: 2,
          value: { question: 'Capital of France?', answer: 'Paris.', score: 0.92, askedAt: '2024-05-01T10:00:00Z', answeredAt: '2024-05-01T10:00:03Z' },
        },
        { line: 4, value: { question: 'Two plus two?', answer: 'Four.' } },
      ],
      skipped: [],
    });
  });

  const bad = [
    line({ question: 'Fine?', answer: 'Yes.' }),
    line({ question: 'No answer?' }),
    line({ question: 'Score?', answer: 'x', score: 1.5 }),
    line({ question: 'Date?', answer: 'x', askedAt: 'last Tuesday' }),
    line({ question: 'Order?', answer: 'x', askedAt: '2024-05-02T00:00:00Z', answeredAt: '2024-05-01T00:00:00Z' }),
    '{not json',
    line({ question: 'Fine too?', answer: 'Yes.', source: 'old' }),
  ].join('\n');

  it('refuses the whole file when any line is bad, listing every bad line', () => {
    expect(() => parseAnswerFile('a.jsonl', bad, false)).toThrow(
      new RegExp(
        [
          '^a\\.jsonl: 6 bad lines, nothing imported \\(--skip-invalid imports the others\\)',
          '  line 2: answer is missing',
          '  line 3: score must not be greater than 1',
          '  line 4: askedAt must be a valid ISO 8601 date string',
          '  line 5: answeredAt must not be before askedAt',
          '  line 6: not JSON.*',
          '  line 7: property source should not exist$',
        ].join('\n'),
      ),
    );
  });

  it('keeps the valid lines and lists the others with --skip-invalid', () => {
    const parsed = parseAnswerFile('a.jsonl', bad, true);
    expect(parsed.answers.map((a) => a.line)).toEqual([1]);
    expect(parsed.skipped.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('refuses a file without any usable answer, even with --skip-invalid', () => {
    expect(() => parseAnswerFile('a.jsonl', '\n# nothing\n', false)).toThrow(/no answer in the file/);
    expect(() => parseAnswerFile('a.jsonl', '{}\n', true)).toThrow(/no usable answer in the file\n {2}line 1: /);
  });
});
