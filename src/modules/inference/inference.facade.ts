import { Injectable } from '@nestjs/common';
import type { InferenceContract } from '../../contracts/inference/inference.contract.js';
import { InferenceEngine } from './inference.engine.js';

/** The inference contract's implementation. */
@Injectable()
export class InferenceFacade implements InferenceContract {
  constructor(private readonly engine: InferenceEngine) {}

  generate: InferenceContract['generate'] = (c) => this.engine.generate(c);
  streamGenerate: InferenceContract['streamGenerate'] = (c) => this.engine.stream(c);
  listModels: InferenceContract['listModels'] = () => this.engine.listModels();
  status: InferenceContract['status'] = async () => this.engine.status();
}
