import { Controller, Get, Inject, Logger, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ModuleUnavailableError } from '../../contracts/errors.js';
import { INFERENCE_CONTRACT, type InferenceContract } from '../../contracts/inference/inference.contract.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../../contracts/processing/processing.contract.js';
import { RequireScope } from '../../platform/auth/auth.decorators.js';
import { OpenAiModelListDto } from './models.dto.js';
import { openAiModels } from './models.mapper.js';
import { OpenAiErrorFilter } from './openai-error.filter.js';

@ApiTags('openai')
@UseFilters(OpenAiErrorFilter)
@RequireScope('read')
@Controller('v1')
export class ModelsController {
  private readonly logger = new Logger('openai');
  /** OpenAI's `created` is when a model was made; TARS does not know that, so it says when the node started. */
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    @Inject(INFERENCE_CONTRACT.token) private readonly inference: InferenceContract,
    @Inject(PROCESSING_CONTRACT.token) private readonly processing: ProcessingContract,
  ) {}

  @Get('models')
  @ApiOperation({
    summary: 'OpenAI-compatible model list',
    description:
      '`tars` (answers with memory), the LLMs the inference backends serve now (owned_by: the backend id) and the ' +
      'embedding models (owned_by: tars-embeddings). A module that cannot be reached leaves its models out; `tars` is always listed.',
  })
  @ApiOkResponse({ type: OpenAiModelListDto })
  async listOpenAiModels(): Promise<OpenAiModelListDto> {
    const [llms, embeddings] = await Promise.all([
      this.inference.listModels({}).then((list) => list.models, (err: unknown) => this.leftOut('LLM', err)),
      this.processing.listEmbeddingModels({}).catch((err: unknown) => this.leftOut('embedding', err)),
    ]);
    return { object: 'list', data: openAiModels(this.created, llms, embeddings) };
  }

  private leftOut(kind: string, err: unknown): [] {
    const reason = (err as Error)?.message ?? String(err);
    if (err instanceof ModuleUnavailableError) this.logger.debug(`GET /v1/models without ${kind} models: ${reason}`);
    else this.logger.warn(`GET /v1/models without ${kind} models: ${reason}`);
    return [];
  }
}
