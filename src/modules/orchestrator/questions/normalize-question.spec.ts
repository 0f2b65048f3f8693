import { describe, expect, it } from 'vitest';
import { normalizeQuestion, questionHash } from './normalize-question.js';

describe('normalizeQuestion', () => {
  it('ignores case, spacing and surrounding punctuation', () => {
    expect(normalizeQuestion('  What is   the Capital of\tAustralia??  ')).toBe('what is the capital of australia');
    expect(questionHash('What is the capital of Australia?')).toBe(questionHash('what is the capital of australia'));
  });

  it('keeps what changes the meaning', () => {
    expect(questionHash('Is 2+2 = 4?')).not.toBe(questionHash('Is 2+2 = 5?'));
    expect(normalizeQuestion('Ｆｕｌｌｗｉｄｔｈ?')).toBe('fullwidth');
  });
});
