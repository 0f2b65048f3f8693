import { Injectable } from '@nestjs/common';
import { lastValueFrom, type Observable } from 'rxjs';
import { filter, map } from 'rxjs/operators';
import type { AskCommand, ChatAnswerDto, ChatEvent } from '../../contracts/orchestrator/chat.dto.js';
import type { OrchestratorContract } from '../../contracts/orchestrator/orchestrator.contract.js';
import { AnswerPipeline } from './answer-pipeline.js';

/** The orchestrator contract's implementation: the pipeline, whole or streamed. */
@Injectable()
export class OrchestratorFacade implements OrchestratorContract {
  constructor(private readonly pipeline: AnswerPipeline) {}

  answer(command: AskCommand): Promise<ChatAnswerDto> {
    return lastValueFrom(
      this.pipeline.stream(command).pipe(
        filter((event): event is Extract<ChatEvent, { type: 'done' }> => event.type === 'done'),
        map((event) => event.answer),
      ),
    );
  }

  streamAnswer(command: AskCommand): Observable<ChatEvent> {
    return this.pipeline.stream(command);
  }
}
