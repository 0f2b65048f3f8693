import type { Observable } from 'rxjs';
import { defineContract } from '../contract.js';
import {
  GenerateCommand,
  type GenerationEvent,
  type GenerationResultDto,
  InferenceStatusQuery,
  type InferenceStatusDto,
  ListModelsQuery,
  type ModelListDto,
} from './generation.dto.js';

/** The inference module, as any other module sees it: LLM generation over the configured backends. */
export interface InferenceContract {
  /** Generates a whole answer. Fails with the Llm*Error classes, ModelNotFoundError or CancelledError. */
  generate(command: GenerateCommand): Promise<GenerationResultDto>;
  /** Streams an answer as tokens then one `done`; unsubscribing cancels the generation upstream. */
  streamGenerate(command: GenerateCommand): Observable<GenerationEvent>;
  /** Models the backends serve now. */
  listModels(query: ListModelsQuery): Promise<ModelListDto>;
  /** Whether each backend answers (cached probe), with its load. */
  status(query: InferenceStatusQuery): Promise<InferenceStatusDto>;
}

export const INFERENCE_CONTRACT = defineContract<InferenceContract>({
  module: 'inference',
  token: 'InferenceContract',
  methods: {
    // Generation time is bounded by the engine's own first-token and idle limits, not by the request timeout.
    generate: { subject: 'inference.generate', request: GenerateCommand, timeoutMs: 600_000 },
    streamGenerate: { subject: 'inference.generate.stream', request: GenerateCommand, stream: true, timeoutMs: 30_000 },
    listModels: { subject: 'inference.models', request: ListModelsQuery },
    status: { subject: 'inference.status', request: InferenceStatusQuery },
  },
});
