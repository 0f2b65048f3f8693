import { QuestionInputDto } from '../../contracts/questions/question.dto.js';
import { validatePayload } from '../../platform/bus/validate-payload.js';
import { InvalidFileError, parseJsonLines, type ParsedLines, readTextFile, requireFields } from './json-lines.js';

/** One line of a question file: what POST /questions takes for one question. */
export interface LoadQuestion {
  question: string;
  reference?: string;
  idempotencyKey?: string;
}

/** Checked as the API checks it (the same DTO), so that a file that passes here is not refused there. */
function toQuestion(value: object): LoadQuestion {
  requireFields(value, ['question']);
  const input = validatePayload(QuestionInputDto, value);
  return {
    question: input.question,
    ...(input.reference !== undefined ? { reference: input.reference } : {}),
    ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
  };
}

/** Parses a question file (JSON lines: question, optional reference and idempotencyKey). */
export function parseQuestionLines(text: string): ParsedLines<LoadQuestion> {
  return parseJsonLines(text, toQuestion);
}

/** The questions of a file; InvalidFileError when any line is bad or there is no question at all. */
export function readQuestionFile(path: string): LoadQuestion[] {
  const { items, problems } = parseQuestionLines(readTextFile(path));
  if (problems.length > 0) throw new InvalidFileError(path, problems);
  if (items.length === 0) throw new InvalidFileError(path, [], 'no question in the file (one JSON object per line: {"question": "…"})');
  return items.map((item) => item.value);
}
