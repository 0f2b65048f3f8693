import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidFileError } from './json-lines.js';
import { SAMPLE_QUESTIONS_FILE } from './load-cli.js';
import { parseQuestionLines, readQuestionFile } from './question-file.js';

describe('parseQuestionLines', () => {
  it('reads one question per line with its optional reference, skipping blank lines and # comments', () => {
    const text = [
      '# a comment',
      '{"question": "  What is the capital of Australia?  ", "reference": "Canberra."}',
      '',
      '   ',
      '{"question": "Why is the sky blue?"}',
      '  # an indented comment',
    ].join('\n');
    const parsed = parseQuestionLines(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.items).toEqual([
      { line: 2, value: { question: 'What is the capital of Australia?', reference: 'Canberra.' } },
      { line: 5, value: { question: 'Why is the sky blue?' } },
    ]);
  });

  it('accepts Windows line ends and a byte-order mark', () => {
    const parsed = parseQuestionLines('\uFEFF{"question": "One?"}\r\n{"question": "Two?"}\r\n');
    expect(parsed.items.map((i) => i.value.question)).toEqual(['One?', 'Two?']);
    expect(parsed.problems).toEqual([]);
  });

  it('names the line and what is wrong with each bad line, and keeps the good ones', () => {
    const text = [
      '{"question": "Fine?"}',
      '{"question": "broken"',
      '["question"]',
      '{"question": "   "}',
      '{"question": "Reference?", "reference": 42}',
      '{"question": "Typo?", "refrence": "x"}',
      '{"reference": "no question"}',
      '"just a string"',
    ].join('\n');
    const { items, problems } = parseQuestionLines(text);
    expect(items.map((i) => i.line)).toEqual([1]);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(problems[0].message).toMatch(/^not JSON/);
    expect(problems[1].message).toMatch(/must be a JSON object/);
    expect(problems[2].message).toMatch(/question must not be empty/);
    expect(problems[3].message).toMatch(/reference must be a string/);
    expect(problems[4].message).toMatch(/refrence should not exist/);
    expect(problems[5].message).toBe('question is missing');
    expect(problems[6].message).toMatch(/must be a JSON object/);
  });

  it('refuses a question longer than the API takes', () => {
    const { problems } = parseQuestionLines(JSON.stringify({ question: 'x'.repeat(8001) }));
    expect(problems).toEqual([{ line: 1, message: expect.stringMatching(/question must be shorter than or equal to 8000 characters/) }]);
  });
});

describe('readQuestionFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tars-questions-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (text: string) => {
    const path = join(dir, 'questions.jsonl');
    writeFileSync(path, text);
    return path;
  };

  it('refuses a file with any bad line, listing every bad line with its number', () => {
    const path = write('{"question": "ok?"}\n{nope}\n{"question": ""}\n');
    expect(() => readQuestionFile(path)).toThrow(InvalidFileError);
    expect(() => readQuestionFile(path)).toThrow(/questions\.jsonl: 2 bad lines\n {2}line 2: not JSON.*\n {2}line 3: question must not be empty/);
  });

  it('refuses a file without any question', () => {
    expect(() => readQuestionFile(write('# only a comment\n\n'))).toThrow(/no question in the file/);
  });

  it('says when the file does not exist', () => {
    expect(() => readQuestionFile(join(dir, 'missing.jsonl'))).toThrow(/missing\.jsonl: no such file/);
  });

  it('shows the first 20 problems and counts the rest', () => {
    const error = (() => {
      try {
        readQuestionFile(write('{}\n'.repeat(25)));
      } catch (err) {
        return err as InvalidFileError;
      }
    })();
    expect(error?.problems).toHaveLength(25);
    expect(error?.message.match(/\n {2}line \d+:/g)).toHaveLength(20);
    expect(error?.message).toMatch(/… and 5 more$/);
  });
});

describe('the shipped question set', () => {
  it('is valid, has about thirty questions, some of them with a reference', () => {
    const questions = readQuestionFile(SAMPLE_QUESTIONS_FILE);
    expect(questions.length).toBeGreaterThanOrEqual(25);
    const withReference = questions.filter((q) => q.reference).length;
    expect(withReference).toBeGreaterThanOrEqual(5);
    expect(withReference).toBeLessThan(questions.length);
    expect(new Set(questions.map((q) => q.question)).size).toBe(questions.length);
  });
});
