import { describe, expect, it } from 'vitest';
import type { ChatMessageDto } from '../../../contracts/inference/generation.dto.js';
import { concatWithPrevious, isFollowUp } from './follow-up.js';

const history: ChatMessageDto[] = [
  { role: 'user', content: 'Which heat pumps did I compare last year?' },
  { role: 'assistant', content: 'You compared the Vaillant aroTHERM and the Daikin Altherma.' },
];

describe('follow-up detection', () => {
  it('recognises questions that refer back to the conversation', () => {
    expect(isFollowUp('And how loud is the second one?', history)).toBe(true);
    expect(isFollowUp('Why?', history)).toBe(true);
    expect(isFollowUp('What about its price?', history)).toBe(true);
  });

  it('leaves self-contained questions and first questions alone', () => {
    expect(isFollowUp('What is the recommended pressure for a Worcester Bosch combi boiler in winter?', history)).toBe(false);
    expect(isFollowUp('And how loud is the second one?', [])).toBe(false);
  });

  it('puts the previous question in front of a follow-up for retrieval', () => {
    expect(concatWithPrevious('How loud is the second one?', history)).toBe(
      'Which heat pumps did I compare last year? How loud is the second one?',
    );
  });
});
