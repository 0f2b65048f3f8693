/** One message of a conversation as the summarisers read it. */
export interface SummaryTurn {
  role: 'user' | 'assistant' | 'system';
  content: string;
}

const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him himself his ' +
    'how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out ' +
    'over own same she should so some such than that the their theirs them themselves then there these they this those through to too ' +
    'under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves ' +
    'yes ok okay please thanks thank sure like get got one two know think want need tell let well really much many may might shall ' +
    'would could should make made use used also still even every us way lot'
  ).split(' '),
);

const MAX_SENTENCE_WORDS = 60;

interface Sentence {
  text: string;
  /** Where it came from: an earlier summary, or a turn's role. */
  source: 'summary' | 'user' | 'assistant';
  position: number;
  terms: string[];
  words: number;
}

/** Lower-case content words (letters and digits, no stop words, at least 3 characters). */
export function termsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu) ?? [])
    .map((w) => w.replace(/['_-]+$/, ''))
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w) && !/^\d+$/.test(w));
}

function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/u)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.split(' ').length >= 3)
    .map((s) => {
      const words = s.split(' ');
      return words.length <= MAX_SENTENCE_WORDS ? s : `${words.slice(0, MAX_SENTENCE_WORDS).join(' ')}…`;
    });
}

function frequencies(sentences: Sentence[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const sentence of sentences) for (const term of sentence.terms) tf.set(term, (tf.get(term) ?? 0) + 1);
  return tf;
}

/** The most frequent content words, most frequent first (ties alphabetically): the summary's keywords. */
export function keywordsOf(texts: string[], count = 12): string[] {
  const tf = new Map<string, number>();
  for (const term of texts.flatMap(termsOf)) tf.set(term, (tf.get(term) ?? 0) + 1);
  return [...tf.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([term]) => term.slice(0, 64));
}

const LABEL: Record<Sentence['source'], string> = { summary: 'Earlier', user: 'User', assistant: 'TARS' };

/**
 * A summary made of the conversation's own sentences, for when no LLM answers: the sentences whose
 * content words are most frequent in the whole conversation (term frequency, normalised by the
 * square root of the sentence's length), plus the opening of the first and of the last message so
 * that the topic and where it ended are always there; within about `maxWords` words, in their
 * original order, each labelled with who said it. An earlier summary's sentences compete with the
 * new turns' ones. Deterministic: the same conversation gives the same summary.
 */
export function extractiveSummary(input: { title: string; previous?: string | null; turns: SummaryTurn[]; maxWords: number }): string {
  const sentences: Sentence[] = [];
  const add = (text: string, source: Sentence['source']) => {
    for (const s of splitSentences(text)) sentences.push({ text: s, source, position: sentences.length, terms: termsOf(s), words: s.split(' ').length });
  };
  if (input.previous) add(input.previous.replace(/^Extract of the conversation[^\n]*\n/, '').replace(/^(Earlier|User|TARS): /gm, ''), 'summary');
  const firstOfTurn: number[] = [];
  for (const turn of input.turns) {
    if (turn.role === 'system') continue;
    const before = sentences.length;
    add(turn.content, turn.role);
    if (sentences.length > before) firstOfTurn.push(before);
  }
  const header = `Extract of the conversation "${input.title}":`;
  if (sentences.length === 0) {
    const fallback = input.turns.map((t) => t.content.trim()).filter(Boolean).join(' ').split(/\s+/).slice(0, input.maxWords).join(' ');
    return fallback ? `${header}\n${fallback}` : header;
  }

  const tf = frequencies(sentences);
  const score = (s: Sentence) => {
    const unique = [...new Set(s.terms)];
    return unique.length === 0 ? 0 : unique.reduce((sum, term) => sum + (tf.get(term) ?? 0), 0) / Math.sqrt(s.terms.length);
  };
  const chosen = new Set<number>();
  let words = 0;
  const take = (i: number | undefined) => {
    if (i === undefined || i >= sentences.length || chosen.has(i)) return;
    if (chosen.size > 0 && words + sentences[i].words > input.maxWords) return;
    chosen.add(i);
    words += sentences[i].words;
  };
  take(firstOfTurn[0] ?? 0);
  take(firstOfTurn.at(-1));
  const ranked = sentences.map((s) => ({ i: s.position, score: score(s) })).sort((a, b) => b.score - a.score || a.i - b.i);
  for (const { i } of ranked) take(i);

  const lines = [...chosen].sort((a, b) => a - b).map((i) => `${LABEL[sentences[i].source]}: ${sentences[i].text}`);
  return `${header}\n${lines.join('\n')}`;
}
