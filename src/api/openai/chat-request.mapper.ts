import { ValidationFailedError } from '../../contracts/errors.js';
import type { ChatMessageDto, GenerateCommand, GenerationOptionsDto } from '../../contracts/inference/generation.dto.js';
import type { AskCommand } from '../../contracts/orchestrator/chat.dto.js';
import type { ChatCompletionRequestDto, OpenAiChatMessageDto } from './chat-completion.dto.js';

/** The model name that means "answer with TARS's memory" (through the orchestrator). */
export const TARS_MODEL = 'tars';

/** Header naming the stored conversation a `tars` request continues (`new` starts one). */
export const CONVERSATION_HEADER = 'x-tars-conversation-id';

/** The largest maxTokens the inference contract accepts; OpenAI clients may ask for more (it is an upper bound). */
const MAX_ANSWER_TOKENS = 32_768;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a chat completion asks for: an answer from memory (model `tars`) or a plain generation by a named model. */
export type ChatTarget = { kind: 'tars'; command: AskCommand } | { kind: 'model'; command: GenerateCommand };

function invalid(message: string): ValidationFailedError {
  return new ValidationFailedError(message, { fields: [message] });
}

/** The text of a message: a string as is, text parts joined with newlines. */
export function contentText(content: OpenAiChatMessageDto['content']): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n');
}

function toChatMessage(message: OpenAiChatMessageDto): ChatMessageDto {
  return { role: message.role === 'developer' ? 'system' : message.role, content: contentText(message.content) };
}

/** The sampling options of the request, in the contracts' terms; undefined when it sets none. */
export function generationOptions(body: ChatCompletionRequestDto): GenerationOptionsDto | undefined {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const options: GenerationOptionsDto = {
    ...(body.temperature !== undefined && body.temperature !== null ? { temperature: body.temperature } : {}),
    ...(maxTokens ? { maxTokens: Math.min(maxTokens, MAX_ANSWER_TOKENS) } : {}),
    ...(body.stop && body.stop.length > 0 ? { stop: body.stop } : {}),
    ...(body.seed !== undefined && body.seed !== null ? { seed: body.seed } : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}

/**
 * Which stored conversation a `tars` request continues: none (header absent: nothing is stored,
 * the request's messages are the history), a new one (`new`), or the one with that id.
 */
export function conversationFromHeader(value: string | undefined): { conversationId?: string; remember: boolean } {
  const trimmed = value?.trim();
  if (!trimmed) return { remember: false };
  if (trimmed.toLowerCase() === 'new') return { remember: true };
  if (!UUID.test(trimmed)) throw invalid(`${CONVERSATION_HEADER} must be a conversation id (uuid) or "new"`);
  return { conversationId: trimmed, remember: true };
}

/**
 * Turns an OpenAI request into a contract call. Model `tars`: the last message is the question,
 * the earlier ones its history (unless a stored conversation is continued, whose own turns are
 * the history). Any other model: the messages go to that model unchanged.
 */
export function chatTarget(body: ChatCompletionRequestDto, conversationHeader?: string): ChatTarget {
  const options = generationOptions(body);
  if (body.model !== TARS_MODEL) {
    return { kind: 'model', command: { model: body.model, messages: body.messages.map(toChatMessage), ...(options ? { options } : {}) } };
  }
  const last = body.messages[body.messages.length - 1];
  if (last.role !== 'user') throw invalid(`messages must end with the user's question for model ${TARS_MODEL}`);
  const conversation = conversationFromHeader(conversationHeader);
  const history = conversation.conversationId ? [] : body.messages.slice(0, -1).map(toChatMessage);
  return {
    kind: 'tars',
    command: {
      question: contentText(last.content),
      ...conversation,
      ...(history.length > 0 ? { history } : {}),
      ...(options ? { options } : {}),
    },
  };
}
