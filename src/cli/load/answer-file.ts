import { ImportedAnswerDto } from '../../contracts/questions/question.dto.js';
import { validatePayload } from '../../platform/bus/validate-payload.js';
import { InvalidFileError, type LineProblem, parseJsonLines, readTextFile, requireFields } from './json-lines.js';

/** One line of an answer file: what POST /questions/import takes for one answer. */
export interface ImportedAnswer {
  question: string;
  answer: string;
  score?: number;
  askedAt?: string;
  answeredAt?: string;
}

/** An answer with the line it came from, for messages about its batch. */
export interface NumberedAnswer {
  line: number;
  value: ImportedAnswer;
}

/** The usable answers of a file, and the bad lines that `--skip-invalid` leaves out. */
export interface AnswerFile {
  answers: NumberedAnswer[];
  skipped: LineProblem[];
}

function toAnswer(value: object): ImportedAnswer {
  requireFields(value, ['question', 'answer']);
  const input = validatePayload(ImportedAnswerDto, value);
  if (input.askedAt && input.answeredAt && Date.parse(input.answeredAt) < Date.parse(input.askedAt)) {
    throw new Error('answeredAt must not be before askedAt');
  }
  const answer: ImportedAnswer = { question: input.question, answer: input.answer };
  if (input.score !== undefined) answer.score = input.score;
  if (input.askedAt !== undefined) answer.askedAt = input.askedAt;
  if (input.answeredAt !== undefined) answer.answeredAt = input.answeredAt;
  return answer;
}

/**
 * Parses an answer file (JSON lines: question, answer, optional score 0..1, askedAt and
 * answeredAt as ISO dates). Any bad line refuses the whole file unless `skipInvalid`: then the
 * bad lines are returned as `skipped`. A file without any usable answer is always refused.
 */
export function parseAnswerFile(path: string, text: string, skipInvalid: boolean): AnswerFile {
  const { items, problems } = parseJsonLines(text, toAnswer);
  if (problems.length > 0 && !skipInvalid) {
    throw new InvalidFileError(path, problems, `${problems.length} bad line${problems.length === 1 ? '' : 's'}, nothing imported (--skip-invalid imports the others)`);
  }
  if (items.length === 0) {
    throw new InvalidFileError(path, problems, problems.length > 0 ? 'no usable answer in the file' : 'no answer in the file (one JSON object per line: {"question": "…", "answer": "…"})');
  }
  return { answers: items, skipped: problems };
}

export function readAnswerFile(path: string, skipInvalid: boolean): AnswerFile {
  return parseAnswerFile(path, readTextFile(path), skipInvalid);
}
