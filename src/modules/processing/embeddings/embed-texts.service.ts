import { Injectable } from '@nestjs/common';
import { ModelNotFoundError } from '../../../contracts/errors.js';
import type {
  EmbeddingModelInfoDto,
  EmbedTextsCommand,
  EmbedTextsResultDto,
} from '../../../contracts/processing/embed-texts.dto.js';
import { approximateTokenCounter, type TokenCounter } from '../text/token-counter.js';
import { EmbeddingEngine } from './embedding-engine.js';
import { EMBEDDING_USES, type EmbeddingUse } from './embedding.types.js';

/**
 * A model never reads more than this many characters per token of its `maxTokens` (the engine
 * cuts longer texts the same way): counting stops there too, so usage says what the model read.
 */
const MAX_CHARS_PER_TOKEN = 16;

/** Embedding on request (the contract's embedTexts): texts in, plain-number vectors and a token count out. */
@Injectable()
export class EmbedTextsService {
  constructor(private readonly engine: EmbeddingEngine) {}

  async embedTexts(command: EmbedTextsCommand): Promise<EmbedTextsResultDto> {
    const use = command.use ?? 'documents';
    if (command.model !== undefined && !this.engine.registry.models.some((m) => m.id === command.model)) {
      const configured = this.engine.registry.models.map((m) => m.id).join(', ');
      throw new ModelNotFoundError(`embedding model '${command.model}' does not exist (configured: ${configured})`, { model: command.model });
    }
    const result = await this.engine.embed({ texts: command.texts, use, model: command.model });
    const maxChars = this.engine.registry.get(result.model).maxTokens * MAX_CHARS_PER_TOKEN;
    const counter = await this.tokenCounterOf(result.model);
    const tokens = command.texts.reduce((sum, text) => sum + counter.countTokens(text.slice(0, maxChars)), 0);
    return { model: result.model, dimensions: result.dimensions, vectors: result.vectors.map((v) => Array.from(v)), tokens };
  }

  listEmbeddingModels(): EmbeddingModelInfoDto[] {
    return this.engine.registry.models.map((m) => ({ id: m.id, provider: m.provider, dimensions: m.dimensions }));
  }

  /**
   * The engine keeps a tokenizer for the default model of each use (it chunks with it); a model that
   * is no use's default gets an estimate rather than a tokenizer loaded for one request.
   */
  private tokenCounterOf(modelId: string): Promise<TokenCounter> {
    const use = EMBEDDING_USES.find((u: EmbeddingUse) => this.engine.registry.defaultFor(u).id === modelId);
    return use ? this.engine.tokenCounterFor(use) : Promise.resolve(approximateTokenCounter);
  }
}
