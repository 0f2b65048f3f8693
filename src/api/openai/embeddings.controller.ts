import { Body, Controller, HttpCode, Inject, Post, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ModelNotFoundError, ValidationFailedError } from '../../contracts/errors.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../../contracts/processing/processing.contract.js';
import { RequireScope } from '../../platform/auth/auth.decorators.js';
import { EmbeddingListDto, EmbeddingsRequestDto } from './embeddings.dto.js';
import { embeddingList } from './embeddings.mapper.js';
import { OpenAiErrorDto } from './openai-error.js';
import { OpenAiErrorFilter } from './openai-error.filter.js';

@ApiTags('openai')
@UseFilters(OpenAiErrorFilter)
@Controller('v1')
export class EmbeddingsController {
  constructor(@Inject(PROCESSING_CONTRACT.token) private readonly processing: ProcessingContract) {}

  @Post('embeddings')
  @HttpCode(200)
  // `write`, like chat completions: embedding spends model time on the caller's input (OWASP API4).
  @RequireScope('write')
  @ApiOperation({
    summary: 'OpenAI-compatible embeddings',
    description:
      'Embeds texts with a model of the embeddings registry (GET /v1/models, owned_by tars-embeddings), as stored ' +
      "documents are embedded (the model's document prefix applies). `usage` counts tokens with the model's tokenizer " +
      'when TARS has it, else estimates them.',
  })
  @ApiOkResponse({ type: EmbeddingListDto })
  @ApiBadRequestResponse({ type: OpenAiErrorDto, description: 'Invalid input, or dimensions other than the model’s' })
  @ApiNotFoundResponse({ type: OpenAiErrorDto, description: 'Unknown embedding model (code model_not_found)' })
  async createEmbeddings(@Body() body: EmbeddingsRequestDto): Promise<EmbeddingListDto> {
    if (body.dimensions !== undefined) await this.checkDimensions(body.model, body.dimensions);
    const result = await this.processing.embedTexts({ texts: body.input, model: body.model, use: 'documents' });
    return embeddingList(result, body.encoding_format ?? 'float');
  }

  /** OpenAI's models can shorten their vectors; TARS's cannot, so only the model's own size is accepted. */
  private async checkDimensions(modelId: string, dimensions: number): Promise<void> {
    const model = (await this.processing.listEmbeddingModels({})).find((m) => m.id === modelId);
    if (!model) throw new ModelNotFoundError(`embedding model '${modelId}' does not exist`, { model: modelId });
    if (model.dimensions !== dimensions) {
      const message = `dimensions must be ${model.dimensions} for model '${modelId}' (TARS cannot shorten its vectors)`;
      throw new ValidationFailedError(message, { fields: [message] });
    }
  }
}
