import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule } from '../../src/config/config.module.js';
import { ValidationFailedError } from '../../src/contracts/errors.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../../src/contracts/processing/processing.contract.js';
import { DocumentsService } from '../../src/modules/processing/documents/documents.service.js';
import { EmbeddingsModule } from '../../src/modules/processing/embeddings/embeddings.module.js';
import { ProcessingFacade } from '../../src/modules/processing/processing.facade.js';
import { IndexMaintenanceService } from '../../src/modules/processing/indexing/index-maintenance.service.js';
import { SemanticSearchService } from '../../src/modules/processing/search/semantic-search.service.js';
import { AnswerScorer } from '../../src/modules/processing/scoring/answer-scorer.js';
import { ScoringModule } from '../../src/modules/processing/scoring/scoring.module.js';
import { provideLocalContract } from '../../src/platform/bus/contract-binding.js';
import { MetricsModule } from '../../src/platform/metrics/metrics.module.js';
import { embeddingTestConfig, fixtureModel, hashingModel } from '../support/embedding-config.js';

/** The scorer as a node wires it: ScoringModule over the node's EmbeddingsModule, with one embedding model. */
async function scoringApp(model: ReturnType<typeof hashingModel>): Promise<TestingModule> {
  const config = embeddingTestConfig({ models: [model] });
  const app = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), MetricsModule, ScoringModule] }).compile();
  await app.init();
  return app;
}

const QUESTION = 'When was the boiler serviced, and by whom?';
const ANSWER = 'The boiler was serviced on 3 March by Dupont.';
const PARAPHRASES = ['Dupont serviced the boiler on 3 March.', 'On the third of March, the boiler was serviced by Dupont.'];
const UNRELATED = [
  'Quarterly revenue grew faster than analysts expected.',
  'She planted tomatoes, basil and two rows of beans in the back garden.',
  'Photosynthesis converts light into chemical energy in plants.',
];
const CONTEXT = ['Maintenance log: on 3 March the gas boiler was serviced by Dupont, who also replaced the pressure valve.'];

// What holds for both models. The fixture's weights are random: its token vectors share a large
// common direction, so any two different texts score about 0.65 to 0.71 (measured), and a
// paraphrase scores no higher than an unrelated text; only "identical = 1, different < 1" is
// asserted for it. Ranking by meaning is checked with the hashing embedder below.
describe.each([
  ['the hashing embedder', hashingModel()],
  ['the transformers fixture model (random weights)', fixtureModel()],
])('answer scoring with %s', (_, model) => {
  let app: TestingModule;
  let scorer: AnswerScorer;
  beforeAll(async () => {
    app = await scoringApp(model);
    scorer = app.get(AnswerScorer);
  });
  afterAll(() => app?.close());

  it('scores an answer identical to its reference 1, as bertscore_f1, with the model that scored', async () => {
    const result = await scorer.score({ answer: ANSWER, question: QUESTION, reference: ANSWER });
    expect(result).toMatchObject({ method: 'bertscore_f1', model: model.id, truncated: false });
    expect(result.score).toBeCloseTo(1, 6);
    expect(result.precision).toBeCloseTo(1, 6);
    expect(result.recall).toBeCloseTo(1, 6);
  });

  it('scores an answer that is its question 1 for relevance, recorded as relevance', async () => {
    const result = await scorer.score({ answer: QUESTION, question: QUESTION, context: CONTEXT });
    expect(result.method).toBe('relevance');
    expect(result.score).toBeCloseTo(1, 6);
  });

  it('scores an answer below 1 against any other reference', async () => {
    for (const other of [...PARAPHRASES, ...UNRELATED]) {
      const { score } = await scorer.score({ answer: ANSWER, question: QUESTION, reference: other });
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThan(0.95);
    }
  });
});

describe('answer scoring with the hashing embedder: overlap ranks', () => {
  let app: TestingModule;
  let scorer: AnswerScorer;
  beforeAll(async () => {
    app = await scoringApp(hashingModel());
    scorer = app.get(AnswerScorer);
  });
  afterAll(() => app?.close());

  const f1 = async (reference: string) => (await scorer.score({ answer: ANSWER, question: QUESTION, reference })).score;

  it('scores paraphrases that share most words clearly above unrelated texts, and unrelated texts low', async () => {
    const paraphrases = await Promise.all(PARAPHRASES.map(f1));
    const unrelated = await Promise.all(UNRELATED.map(f1));
    // Measured: paraphrases 0.77 and 0.76; unrelated 0.02 to 0.2 (shared function words such as "the", "on").
    for (const score of unrelated) expect(score).toBeLessThan(0.5);
    expect(Math.min(...paraphrases)).toBeGreaterThan(Math.max(...unrelated) + 0.3);
  });

  it('rates an on-topic answer grounded in the retrieved context above an off-topic one, without a reference', async () => {
    const onTopic = await scorer.score({ answer: ANSWER, question: QUESTION, context: CONTEXT });
    const offTopic = await scorer.score({ answer: UNRELATED[0], question: QUESTION, context: CONTEXT });
    expect(onTopic.method).toBe('relevance');
    expect(onTopic.score).toBeGreaterThan(offTopic.score + 0.3);
    expect(offTopic.score).toBeLessThan(0.2);
  });

  it('counts the retrieved context towards grounding', async () => {
    const withContext = await scorer.score({ answer: ANSWER, question: QUESTION, context: CONTEXT });
    const without = await scorer.score({ answer: ANSWER, question: QUESTION });
    expect(withContext.precision).toBeGreaterThan(without.precision);
    expect(withContext.recall).toBeCloseTo(without.recall, 12); // coverage is of the question alone
  });
});

describe('answer scoring through the processing contract (local binding)', () => {
  let app: TestingModule;
  let processing: ProcessingContract;
  beforeAll(async () => {
    const config = embeddingTestConfig({ models: [hashingModel()] });
    app = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), MetricsModule, EmbeddingsModule, ScoringModule],
      providers: [
        ...provideLocalContract(PROCESSING_CONTRACT, ProcessingFacade),
        // Documents, search and index maintenance are not under test here (they need the database).
        { provide: DocumentsService, useValue: {} },
        { provide: SemanticSearchService, useValue: {} },
        { provide: IndexMaintenanceService, useValue: {} },
      ],
    }).compile();
    await app.init();
    processing = app.get(PROCESSING_CONTRACT.token);
  });
  afterAll(() => app?.close());

  it('scores with the method recorded: bertscore_f1 with a reference, relevance without', async () => {
    const withReference = await processing.scoreAnswer({ answer: ANSWER, question: QUESTION, reference: PARAPHRASES[0] });
    expect(withReference).toMatchObject({ method: 'bertscore_f1', model: 'hashing', truncated: false });
    const withoutReference = await processing.scoreAnswer({ answer: ANSWER, question: QUESTION, context: CONTEXT });
    expect(withoutReference).toMatchObject({ method: 'relevance', model: 'hashing' });
    expect(JSON.parse(JSON.stringify(withoutReference))).toEqual(withoutReference); // plain JSON, fit for NATS
  });

  it('validates the payload as the NATS handler would', async () => {
    const tooLong = { answer: 'x'.repeat(20_001), question: QUESTION };
    await expect(processing.scoreAnswer(tooLong)).rejects.toBeInstanceOf(ValidationFailedError);
  });
});
