import { type AlertCondition, formatDuration, formatPercent, type RuleInput, type RuleOutcome, ruleOutcome } from './alert-condition.js';
import type { HttpWindowTotals } from './http-error-window.js';

/** The one subject of error_rate: the whole cluster's HTTP traffic. */
export const CLUSTER_SUBJECT = 'cluster';

export interface ErrorRateInput extends RuleInput {
  http: HttpWindowTotals;
  maxPercent: number;
  windowMs: number;
  minRequests: number;
}

/**
 * error_rate: more than `maxPercent` of the cluster's HTTP requests within `windowMs` answered with
 * a 5xx status, counted only with at least `minRequests` requests in the window (one failed request
 * out of two is no trend). It resolves only once this observer has watched a whole window, so that
 * a monitoring node that just started does not resolve an alert for lack of data.
 */
export function errorRateRule(input: ErrorRateInput): RuleOutcome {
  const { requests, serverErrors, byNode, observedMs } = input.http;
  const percent = requests === 0 ? 0 : (serverErrors / requests) * 100;
  const window = formatDuration(input.windowMs);
  const measured = `${formatPercent(percent)}% of HTTP requests failed with 5xx in the last ${window} (${serverErrors} of ${requests}; limit ${formatPercent(input.maxPercent)}%)`;
  const firing: AlertCondition[] = [];
  if (requests >= input.minRequests && percent > input.maxPercent) {
    firing.push({
      rule: 'error_rate',
      subject: CLUSTER_SUBJECT,
      message: measured,
      details: { percent: Number(percent.toFixed(2)), requests, serverErrors, maxPercent: input.maxPercent, windowMs: input.windowMs, minRequests: input.minRequests, byNode },
    });
  }
  return ruleOutcome('error_rate', firing, input, () => {
    if (observedMs < input.windowMs) return undefined;
    if (requests < input.minRequests) return `only ${requests} HTTP requests in the last ${window} (an error rate needs at least ${input.minRequests})`;
    return measured;
  });
}
