import { type AlertCondition, forgottenReason, formatDuration, type RuleInput, type RuleOutcome, ruleOutcome } from './alert-condition.js';

export interface NodeDownInput extends RuleInput {
  /** The monitoring node evaluating (the view hears its own heartbeats in process). */
  observer: string;
  downAfterMs: number;
}

/**
 * node_down: a node the view holds in state `down` (silent longer than monitoring.downAfterMs);
 * subject = node name. Resolves when the node is heard again. When the observer's own heartbeat is
 * late, the observer itself was stalled (its timers did not run, e.g. the process was paused or the
 * event loop blocked) and every node only looks silent: the rule then judges nothing this time.
 */
export function nodeDownRule(input: NodeDownInput): RuleOutcome {
  const self = input.nodes.find((n) => n.heartbeat.node === input.observer);
  if (self && self.state !== 'up') return { fire: [], resolve: [] };

  const firing: AlertCondition[] = input.nodes
    .filter((n) => n.state === 'down')
    .map((n) => {
      const silentMs = input.now - n.lastSeenAt;
      return {
        rule: 'node_down',
        subject: n.heartbeat.node,
        message: `node ${n.heartbeat.node} is down: not heard for ${formatDuration(silentMs)} (down after ${formatDuration(input.downAfterMs)})`,
        details: {
          node: n.heartbeat.node,
          roles: n.heartbeat.roles,
          lastSeenAt: new Date(n.lastSeenAt).toISOString(),
          silentSeconds: Math.round(silentMs / 1000),
          downAfterMs: input.downAfterMs,
        },
      };
    });

  return ruleOutcome('node_down', firing, input, (alert) => {
    const node = input.nodes.find((n) => n.heartbeat.node === alert.subject);
    if (!node) return forgottenReason(alert, input, `node ${alert.subject}`);
    return `node ${alert.subject} is ${node.state} again`;
  });
}
