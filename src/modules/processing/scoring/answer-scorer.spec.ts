import { afterEach, describe, expect, it } from 'vitest';
import { embeddingTestConfig, hashingModel } from '../../../../test/support/embedding-config.js';
import { ModelNotFoundError } from '../../../contracts/errors.js';
import { EmbeddingEngine } from '../embeddings/embedding-engine.js';
import { hashingTokenVectors } from '../embeddings/hashing.provider.js';
import { answerRelevance } from './answer-relevance.js';
import { AnswerScorer } from './answer-scorer.js';
import { greedyMatchF1 } from './greedy-match-f1.js';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const engines: EmbeddingEngine[] = [];
function scorer(setup: Parameters<typeof embeddingTestConfig>[0]): AnswerScorer {
  const engine = new EmbeddingEngine(embeddingTestConfig(setup), { logger: quiet });
  engines.push(engine);
  return new AnswerScorer(engine);
}
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

const tokens = (text: string, maxTokens = 512) => hashingTokenVectors(text, { dimensions: 384, maxTokens }).vectors;
const question = 'What is the capital of Australia?';
const answer = 'The capital of Australia is Canberra.';

describe('AnswerScorer', () => {
  it('scores against the reference with BERTScore F1 when there is one, and records the method', async () => {
    const reference = 'Canberra is the capital city of Australia.';
    const result = await scorer({ models: [hashingModel()] }).score({ answer, question, reference, context: ['ignored'] });
    const expected = greedyMatchF1(tokens(answer), tokens(reference));
    expect(result).toEqual({
      score: expected.f1,
      method: 'bertscore_f1',
      precision: expected.precision,
      recall: expected.recall,
      model: 'hashing',
      truncated: false,
    });
  });

  it('scores relevance to the question and its context when there is no reference', async () => {
    const context = ['Canberra was chosen as the capital in 1908.', 'Sydney is the largest city.'];
    const result = await scorer({ models: [hashingModel()] }).score({ answer, question, context });
    const expected = answerRelevance(tokens(answer), tokens(question), context.map((c) => tokens(c)));
    expect(result).toEqual({
      score: expected.score,
      method: 'relevance',
      precision: expected.grounding,
      recall: expected.coverage,
      model: 'hashing',
      truncated: false,
    });
  });

  it("uses the queries default model unless the request names one, and says which model scored after a fallback", async () => {
    const models = [hashingModel({ id: 'docs' }), hashingModel({ id: 'questions' }), { id: 'nomic', provider: 'ollama' as const, source: 'n', dimensions: 768 }];
    const config = { models, fallback: ['docs'], env: { TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'questions' } };
    const sut = scorer(config);
    expect((await sut.score({ answer, question })).model).toBe('questions');
    expect(await sut.score({ answer, question, model: 'nomic' })).toMatchObject({ model: 'docs', fallbackFrom: 'nomic' });
  });

  it('rejects a model id that is not configured as ModelNotFoundError', async () => {
    await expect(scorer({ models: [hashingModel()] }).score({ answer, question, model: 'nope' })).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('says when a text was cut at maxTokens', async () => {
    const sut = scorer({ models: [hashingModel({ maxTokens: 8 })] });
    expect((await sut.score({ answer, question, reference: 'one two three four five six seven eight nine' })).truncated).toBe(true);
    expect((await sut.score({ answer, question, context: ['one two three four five six seven eight nine'] })).truncated).toBe(true);
    expect((await sut.score({ answer, question, reference: 'one two' })).truncated).toBe(false);
  });

  it('scores an empty answer 0 by either method', async () => {
    const sut = scorer({ models: [hashingModel()] });
    expect((await sut.score({ answer: '', question, reference: answer })).score).toBe(0);
    expect((await sut.score({ answer: '', question, context: [answer] })).score).toBe(0);
  });
});
