import { type DynamicModule, Module } from '@nestjs/common';
import { TarsConfig } from '../../config/tars-config.js';
import { ORCHESTRATOR_CONTRACT } from '../../contracts/orchestrator/orchestrator.contract.js';
import { contractMessageHandlers, provideLocalContract } from '../../platform/bus/contract-binding.js';
import { AnswerPipeline } from './answer-pipeline.js';
import { OrchestratorFacade } from './orchestrator.facade.js';
import { DEFAULT_PROMPTS_DIR, PromptTemplates } from './prompts/prompt-templates.js';
import { QUESTIONS_CONTRACT } from '../../contracts/questions/questions.contract.js';
import { questionQueueProvider } from './questions/question-queue.js';
import { QuestionWorker } from './questions/question-worker.js';
import { QuestionStore } from './questions/question.store.js';
import { QuestionsFacade } from './questions/questions.facade.js';

/**
 * Orchestrator: decides how a question is answered (router), gathers memory context (planner and
 * retrieval), builds the prompt from template files and streams the LLM's answer with its sources;
 * and the question pipeline (questions/): submitted questions answered, scored, retried and
 * regenerated in the background on a durable queue.
 */
@Module({})
export class OrchestratorModule {
  static register(options: { serveOverNats: boolean }): DynamicModule {
    return {
      module: OrchestratorModule,
      global: true,
      providers: [
        {
          provide: PromptTemplates,
          inject: [TarsConfig],
          useFactory: (config: TarsConfig) => PromptTemplates.load(config.orchestrator.promptsDir || DEFAULT_PROMPTS_DIR),
        },
        AnswerPipeline,
        ...provideLocalContract(ORCHESTRATOR_CONTRACT, OrchestratorFacade),
        QuestionStore,
        QuestionWorker,
        questionQueueProvider,
        ...provideLocalContract(QUESTIONS_CONTRACT, QuestionsFacade),
      ],
      controllers: options.serveOverNats ? [contractMessageHandlers(ORCHESTRATOR_CONTRACT), contractMessageHandlers(QUESTIONS_CONTRACT)] : [],
      exports: [ORCHESTRATOR_CONTRACT.token, QUESTIONS_CONTRACT.token],
    };
  }
}
