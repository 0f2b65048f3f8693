import type { Observable } from 'rxjs';
import { defineContract } from '../contract.js';
import { AskCommand, type ChatAnswerDto, type ChatEvent } from './chat.dto.js';

/** The orchestrator, as any other module sees it: answers questions with memory context. */
export interface OrchestratorContract {
  /** Routes, retrieves, generates and remembers; resolves with the whole answer. */
  answer(command: AskCommand): Promise<ChatAnswerDto>;
  /** The same, streamed: tokens as they come, then `done`. Unsubscribing cancels the generation. */
  streamAnswer(command: AskCommand): Observable<ChatEvent>;
}

export const ORCHESTRATOR_CONTRACT = defineContract<OrchestratorContract>({
  module: 'orchestrator',
  token: 'OrchestratorContract',
  methods: {
    answer: { subject: 'orchestrator.answer', request: AskCommand, timeoutMs: 600_000 },
    streamAnswer: { subject: 'orchestrator.answer.stream', request: AskCommand, stream: true, timeoutMs: 30_000 },
  },
});
