import type { ModuleContract } from './contract.js';
import { INFERENCE_CONTRACT } from './inference/inference.contract.js';
import { MEMORY_CONTRACT } from './memory/memory.contract.js';
import { MONITORING_CONTRACT } from './monitoring/monitoring.contract.js';
import { ORCHESTRATOR_CONTRACT } from './orchestrator/orchestrator.contract.js';
import { PROCESSING_CONTRACT } from './processing/processing.contract.js';
import { QUESTIONS_CONTRACT } from './questions/questions.contract.js';

/** Every module contract; a node binds each one locally or to NATS depending on its roles. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ALL_CONTRACTS: ReadonlyArray<ModuleContract<any>> = [
  MEMORY_CONTRACT,
  PROCESSING_CONTRACT,
  INFERENCE_CONTRACT,
  ORCHESTRATOR_CONTRACT,
  QUESTIONS_CONTRACT,
  MONITORING_CONTRACT,
];
