import type { TarsConfigValues } from '../../../config/config.schema.js';
import type { AlertRule } from '../../../contracts/monitoring/alert.dto.js';
import { type RuleInput, type RuleOutcome, ruleOutcome } from './alert-condition.js';
import { diskLowRule } from './disk-low.rule.js';
import { errorRateRule } from './error-rate.rule.js';
import type { HttpWindowTotals } from './http-error-window.js';
import { nodeDownRule } from './node-down.rule.js';
import { queueLagRule } from './queue-lag.rule.js';

export type AlertRulesSettings = TarsConfigValues['monitoring']['alerts']['rules'];

export interface EvaluationInput extends RuleInput {
  observer: string;
  downAfterMs: number;
  http: HttpWindowTotals;
}

/**
 * Every rule over one snapshot of the cluster: what fires and which open alerts are over. A
 * disabled rule fires nothing and resolves what it had fired.
 */
export function evaluateRules(input: EvaluationInput, rules: AlertRulesSettings): RuleOutcome {
  const outcomes: RuleOutcome[] = [
    rules.nodeDown.enabled ? nodeDownRule(input) : disabled('node_down', input),
    rules.queueLag.enabled ? queueLagRule({ ...input, maxPending: rules.queueLag.maxPending }) : disabled('queue_lag', input),
    rules.errorRate.enabled ? errorRateRule({ ...input, ...rules.errorRate }) : disabled('error_rate', input),
    rules.disk.enabled ? diskLowRule({ ...input, minFreePercent: rules.disk.minFreePercent }) : disabled('disk_low', input),
  ];
  return { fire: outcomes.flatMap((o) => o.fire), resolve: outcomes.flatMap((o) => o.resolve) };
}

function disabled(rule: AlertRule, input: RuleInput): RuleOutcome {
  return ruleOutcome(rule, [], input, () => 'the rule is disabled');
}
