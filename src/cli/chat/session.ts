import type { ChatAnswerDto } from '../../contracts/orchestrator/chat.dto.js';
import type { ChatClient, StreamItem } from './chat-client.js';

/** One chat: the conversation that follow-up questions continue, until `/new`. */
export class ChatSession {
  constructor(
    readonly client: ChatClient,
    /** Set by --conversation, then by the first answer. */
    public conversationId?: string,
  ) {}

  /** The whole answer at once (POST /chat/query). */
  async ask(question: string, signal?: AbortSignal): Promise<ChatAnswerDto> {
    const answer = await this.client.ask(this.question(question), signal);
    this.remember(answer);
    return answer;
  }

  /** The answer as it is generated (POST /chat/stream). */
  async *stream(question: string, signal?: AbortSignal): AsyncGenerator<StreamItem> {
    for await (const item of this.client.stream(this.question(question), signal)) {
      if (item.type === 'done') this.remember(item.answer);
      yield item;
    }
  }

  /** Forgets the conversation: the next question starts a new one. */
  reset(): void {
    this.conversationId = undefined;
  }

  private question(question: string) {
    return this.conversationId ? { question, conversationId: this.conversationId } : { question };
  }

  // Only a finished answer counts: a cancelled first answer may not have created its conversation.
  private remember(answer: ChatAnswerDto): void {
    if (answer.conversationId) this.conversationId = answer.conversationId;
  }
}
