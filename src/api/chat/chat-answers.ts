import { Inject, Injectable } from '@nestjs/common';
import { Observable, type Subscription } from 'rxjs';
import type { AskCommand, ChatEvent } from '../../contracts/orchestrator/chat.dto.js';
import { ORCHESTRATOR_CONTRACT, type OrchestratorContract } from '../../contracts/orchestrator/orchestrator.contract.js';
import { DegradedChat, isOrchestratorUnreachable } from './degraded-chat.js';

/**
 * Answers of the chat endpoints: the orchestrator's; or, when no orchestrator can be reached before
 * it sent anything, the degraded answer of the model alone (DegradedChat). A failure after the
 * orchestrator started answering is passed on as it is: that answer may be half stored already.
 */
@Injectable()
export class ChatAnswers {
  constructor(
    @Inject(ORCHESTRATOR_CONTRACT.token) private readonly orchestrator: OrchestratorContract,
    private readonly degraded: DegradedChat,
  ) {}

  /** `start`, tokens, `done`; unsubscribing cancels the generation wherever it runs. */
  stream(command: AskCommand): Observable<ChatEvent> {
    return new Observable<ChatEvent>((subscriber) => {
      let answering = false;
      let fallback: Subscription | undefined;
      const primary = this.orchestrator.streamAnswer(command).subscribe({
        next: (event) => {
          answering = true;
          subscriber.next(event);
        },
        error: (err: unknown) => {
          if (answering || !isOrchestratorUnreachable(err)) {
            subscriber.error(err);
            return;
          }
          fallback = this.degraded.stream(command, err).subscribe({
            next: (event) => subscriber.next(event),
            error: (e: unknown) => subscriber.error(e),
            complete: () => subscriber.complete(),
          });
        },
        complete: () => subscriber.complete(),
      });
      return () => {
        primary.unsubscribe();
        fallback?.unsubscribe();
      };
    });
  }
}
