import type { AlertRule } from '../../../contracts/monitoring/alert.dto.js';
import type { KnownNode } from '../cluster/cluster-view.js';

/** Something a rule finds wrong now: the alert to fire (or to keep firing). */
export interface AlertCondition {
  rule: AlertRule;
  /** What it is about: a node name, a queue name, or `cluster`. */
  subject: string;
  /** Human readable, with the measured values and the limits. */
  message: string;
  details: Record<string, unknown>;
}

/** An alert that is firing now (stored and not resolved), as the rules need it. */
export interface OpenAlert {
  id: string;
  rule: AlertRule;
  subject: string;
  /** Epoch ms. */
  firedAt: number;
}

/** An open alert that the evaluation shows to be over, and why (human readable). */
export interface AlertResolution {
  alert: OpenAlert;
  reason: string;
}

/** What one evaluation of a rule (or of all of them) found. */
export interface RuleOutcome {
  fire: AlertCondition[];
  resolve: AlertResolution[];
}

/** What every rule is given. */
export interface RuleInput {
  nodes: KnownNode[];
  /** The open alerts (of every rule; each rule picks its own). */
  open: OpenAlert[];
  now: number;
  /** The cluster view forgets a node silent this long; an alert on a subject nobody reports resolves after it. */
  forgetAfterMs: number;
}

/**
 * What a rule says about one open alert whose subject is not firing: the reason it is over, or
 * undefined when the evaluation cannot tell (the subject is not visible now).
 */
export type ClearReason = (alert: OpenAlert) => string | undefined;

/**
 * Assembles a rule's outcome: its conditions fire, and each of its open alerts that is not firing
 * any more resolves when `clearReason` gives a reason.
 */
export function ruleOutcome(rule: AlertRule, firing: AlertCondition[], input: RuleInput, clearReason: ClearReason): RuleOutcome {
  const firingSubjects = new Set(firing.map((c) => c.subject));
  const resolve: AlertResolution[] = [];
  for (const alert of input.open) {
    if (alert.rule !== rule || firingSubjects.has(alert.subject)) continue;
    const reason = clearReason(alert);
    if (reason !== undefined) resolve.push({ alert, reason });
  }
  return { fire: firing, resolve };
}

/**
 * For a subject the view does not show now (a node it never heard since it started, a queue nobody
 * reports): the alert cannot be judged, so it stays firing; after `forgetAfterMs` it resolves as
 * forgotten, as the view itself forgets silent nodes.
 */
export function forgottenReason(alert: OpenAlert, input: RuleInput, what: string): string | undefined {
  if (input.now - alert.firedAt < input.forgetAfterMs) return undefined;
  return `${what} has not been reported for ${formatDuration(input.forgetAfterMs)}: forgotten`;
}

/** 20000 → "20 s", 300000 → "5 min", 86400000 → "24 h". */
export function formatDuration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** 7.456 → "7.5", 10 → "10". */
export function formatPercent(value: number): string {
  return String(Math.round(value * 10) / 10);
}
