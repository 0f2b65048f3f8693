import { describe, expect, it } from 'vitest';
import { validatePayload } from '../../platform/bus/validate-payload.js';
import { ValidationFailedError } from '../errors.js';
import { ScoreAnswerCommand } from './score-answer.dto.js';

const valid = { answer: 'Canberra.', question: 'What is the capital of Australia?' };

describe('ScoreAnswerCommand', () => {
  it('accepts an answer and a question, with or without a reference, context and model', () => {
    expect(validatePayload(ScoreAnswerCommand, valid)).toMatchObject(valid);
    const full = { ...valid, answer: '', reference: 'Canberra', context: ['Canberra is the capital.'], model: 'hashing' };
    expect(validatePayload(ScoreAnswerCommand, full)).toMatchObject(full);
  });

  it.each([
    ['an answer over 20,000 characters', { answer: 'x'.repeat(20_001) }, /answer must be shorter than or equal to 20000/],
    ['an empty question', { question: '' }, /question must be longer than or equal to 1/],
    ['a question over 8,000 characters', { question: 'x'.repeat(8_001) }, /question must be shorter than or equal to 8000/],
    ['an empty reference', { reference: '' }, /reference must not be empty when given/],
    ['a reference over 20,000 characters', { reference: 'x'.repeat(20_001) }, /reference must be shorter than or equal to 20000/],
    ['more than 20 context passages', { context: Array.from({ length: 21 }, () => 'p') }, /context must contain no more than 20 elements/],
    ['a context passage over 8,000 characters', { context: ['ok', 'x'.repeat(8_001)] }, /each value in context must be shorter than or equal to 8000/],
    ['a context that is not a list of strings', { context: [1] }, /each value in context must be a string/],
    ['an unknown field', { extra: true }, /property extra should not exist/],
  ])('rejects %s', (_, change, message) => {
    const attempt = () => validatePayload(ScoreAnswerCommand, { ...valid, ...change });
    expect(attempt).toThrow(ValidationFailedError);
    expect(attempt).toThrow(message);
  });
});
