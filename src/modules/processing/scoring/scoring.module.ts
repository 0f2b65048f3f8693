import { Module } from '@nestjs/common';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { AnswerScorer } from './answer-scorer.js';

/** The answer scorer over the node's embedding engine; import it and inject `AnswerScorer`. */
@Module({ imports: [EmbeddingsModule], providers: [AnswerScorer], exports: [AnswerScorer] })
export class ScoringModule {}
