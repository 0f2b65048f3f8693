import type { AnswerSourceDto, ChatAnswerDto } from '../../src/contracts/orchestrator/chat.dto.js';

/** A generated answer as POST /chat/query returns it; override what a test is about. */
export function chatAnswer(overrides: Partial<ChatAnswerDto> = {}): ChatAnswerDto {
  return {
    conversationId: '7d1c1d55-8a0e-4bb2-9e3b-7c8f0b9d2a11',
    answer: 'The boiler is serviced every May [1].',
    generated: true,
    degraded: null,
    route: { name: 'inference_only', reason: 'no memory hit', retrievalQuery: '', subQueries: [], plan: [] },
    sources: [],
    timings: {},
    usage: {},
    notices: [],
    ...overrides,
  };
}

/** A source an answer cites as [ref]. */
export function answerSource(ref: number, title: string, layer: AnswerSourceDto['layer'] = 'notes'): AnswerSourceDto {
  return { ref, layer, kind: layer === 'semantic' ? 'chunk' : 'note', title, snippet: '', score: 0.03, source: {} };
}
