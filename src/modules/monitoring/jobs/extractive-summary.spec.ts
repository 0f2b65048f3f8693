import { describe, expect, it } from 'vitest';
import { extractiveSummary, keywordsOf, type SummaryTurn, termsOf } from './extractive-summary.js';

const user = (content: string): SummaryTurn => ({ role: 'user', content });
const tars = (content: string): SummaryTurn => ({ role: 'assistant', content });

const boiler: SummaryTurn[] = [
  user('My boiler keeps losing pressure every few days. What should I check first?'),
  tars(
    'A boiler that loses pressure usually has a leak or a faulty pressure relief valve. ' +
      'Check the pipes under the boiler for drips. The weather was nice yesterday in the park. ' +
      'If the pipes are dry, the pressure relief valve is the next suspect.',
  ),
  user('The pipes are dry. How do I test the pressure relief valve on the boiler?'),
  tars('Look at the pressure relief valve outlet pipe outside the house: if it drips after you top up the pressure, the valve leaks.'),
  user('Thanks, I will call the plumber Dupont on Monday to replace the valve.'),
];

describe('extractiveSummary', () => {
  it('keeps the opening question and the last message, labelled by speaker, in the original order', () => {
    const summary = extractiveSummary({ title: 'Boiler pressure', turns: boiler, maxWords: 80 });
    const lines = summary.split('\n');
    expect(lines[0]).toBe('Extract of the conversation "Boiler pressure":');
    expect(lines[1]).toBe('User: My boiler keeps losing pressure every few days.');
    expect(lines.at(-1)).toBe('User: Thanks, I will call the plumber Dupont on Monday to replace the valve.');
  });

  it('prefers sentences about what the conversation keeps coming back to over off-topic ones', () => {
    const summary = extractiveSummary({ title: 'Boiler pressure', turns: boiler, maxWords: 60 });
    expect(summary).toMatch(/pressure relief valve/);
    expect(summary).not.toMatch(/weather was nice/);
  });

  it('stays within about maxWords (whole sentences)', () => {
    const summary = extractiveSummary({ title: 't', turns: boiler, maxWords: 30 });
    const words = summary.split('\n').slice(1).join(' ').replace(/\b(User|TARS|Earlier): /g, '').split(/\s+/).length;
    expect(words).toBeLessThanOrEqual(30);
    expect(words).toBeGreaterThan(10);
  });

  it('lets an earlier summary compete with the new turns, so old topics can survive a re-summary', () => {
    const summary = extractiveSummary({
      title: 'Boiler pressure',
      previous: 'Extract of the conversation "Boiler pressure":\nUser: The boiler pressure relief valve leaks and the boiler loses pressure.',
      turns: [user('Dupont replaced the boiler pressure relief valve today.'), tars('Good: the boiler pressure should now stay stable.')],
      maxWords: 60,
    });
    expect(summary).toContain('Earlier: The boiler pressure relief valve leaks and the boiler loses pressure.');
    expect(summary).toContain('User: Dupont replaced the boiler pressure relief valve today.');
  });

  it('is deterministic', () => {
    const input = { title: 'Boiler pressure', turns: boiler, maxWords: 50 };
    expect(extractiveSummary(input)).toBe(extractiveSummary(input));
  });

  it('still says something for a conversation of short messages', () => {
    expect(extractiveSummary({ title: 'hi', turns: [user('hi'), tars('Hello!')], maxWords: 50 })).toBe('Extract of the conversation "hi":\nhi Hello!');
  });
});

describe('keywordsOf', () => {
  it('gives the most frequent content words, without stop words or numbers', () => {
    expect(keywordsOf(boiler.map((t) => t.content), 3)).toEqual(['pressure', 'valve', 'boiler']);
    expect(termsOf('The 3 pipes are dry, and THE valve?')).toEqual(['pipes', 'dry', 'valve']);
  });
});
