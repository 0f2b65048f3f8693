import { Injectable } from '@nestjs/common';
import { ModelNotFoundError } from '../../../contracts/errors.js';
import type { AnswerScoreDto, ScoreAnswerCommand } from '../../../contracts/processing/score-answer.dto.js';
import { EmbeddingEngine } from '../embeddings/embedding-engine.js';
import type { TokenEmbeddingResult } from '../embeddings/embedding.types.js';
import { answerRelevance } from './answer-relevance.js';
import { greedyMatchF1 } from './greedy-match-f1.js';

/**
 * Rates answers of the question pipeline from token vectors: BERTScore F1 against the reference
 * answer when there is one, otherwise relevance to the question and its retrieved context (see
 * answerRelevance); the method is returned with the score. The model is the request's, or
 * `embeddings.defaults.queries`: the model that already compares questions with stored text on
 * this node, so scoring loads no model of its own. All texts of one score go to the engine in one
 * call, so that one model (after any fallback) makes every vector compared.
 */
@Injectable()
export class AnswerScorer {
  constructor(private readonly engine: EmbeddingEngine) {}

  async score(command: ScoreAnswerCommand): Promise<AnswerScoreDto> {
    const model = this.modelFor(command.model);
    if (command.reference !== undefined) {
      const tokens = await this.engine.embedTokens({ texts: [command.answer, command.reference], model });
      const [answer, reference] = tokens.texts;
      const { precision, recall, f1 } = greedyMatchF1(answer.vectors, reference.vectors);
      return { score: f1, method: 'bertscore_f1', precision, recall, ...provenance(tokens) };
    }
    const context = command.context ?? [];
    const tokens = await this.engine.embedTokens({ texts: [command.answer, command.question, ...context], model });
    const [answer, question, ...passages] = tokens.texts;
    const { grounding, coverage, score } = answerRelevance(
      answer.vectors,
      question.vectors,
      passages.map((p) => p.vectors),
    );
    return { score, method: 'relevance', precision: grounding, recall: coverage, ...provenance(tokens) };
  }

  private modelFor(requested: string | undefined): string {
    const { registry } = this.engine;
    if (requested === undefined) return registry.defaultFor('queries').id;
    if (registry.models.some((m) => m.id === requested)) return requested;
    const configured = registry.models.map((m) => m.id).join(', ');
    throw new ModelNotFoundError(`embedding model '${requested}' does not exist (configured: ${configured})`, { model: requested });
  }
}

function provenance(tokens: TokenEmbeddingResult): Pick<AnswerScoreDto, 'model' | 'fallbackFrom' | 'truncated'> {
  return {
    model: tokens.model,
    ...(tokens.fallbackFrom !== undefined && { fallbackFrom: tokens.fallbackFrom }),
    truncated: tokens.texts.some((t) => t.truncated),
  };
}
