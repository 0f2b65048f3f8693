/** Words that announce a synthesis rather than name what to retrieve. */
const LEAD_IN =
  /^\s*(please\s+)?(compare|contrast|summari[sz]e|what are the (differences?|similarities) between|differences? between|pros and cons of|how do|how does)\s+/i;
const SEPARATORS = /\s*(?:;|,|\?|\band\b|\bversus\b|\bvs\.?|\bor\b)\s*/i;

/**
 * Splits a synthesis question into the parts to retrieve separately ("compare the boiler manual and
 * the heat pump notes" → "the boiler manual", "the heat pump notes"), keeping at most `max` parts
 * of at least two characters. The whole question is always retrieved as well, by the caller.
 */
export function splitSubQueries(question: string, max: number): string[] {
  const body = question.replace(LEAD_IN, '');
  const parts = body
    .split(SEPARATORS)
    .map((part) => part.replace(/^[\s.!]+|[\s.!]+$/g, ''))
    .filter((part) => part.length >= 2);
  const unique = [...new Set(parts.map((p) => p.toLowerCase()))].map((lower) => parts.find((p) => p.toLowerCase() === lower)!);
  return unique.length >= 2 ? unique.slice(0, max) : [];
}
