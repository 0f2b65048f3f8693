import { type AlertCondition, forgottenReason, type RuleInput, type RuleOutcome, ruleOutcome } from './alert-condition.js';

export interface QueueLagInput extends RuleInput {
  maxPending: number;
}

interface QueueReport {
  pending: number;
  reportedBy: string[];
}

/**
 * queue_lag: a work queue with more than `maxPending` messages waiting or running; subject = queue
 * name. Every consumer of a shared queue reports the same queue: it counts once, at the highest
 * depth reported. Reports of nodes that are down are stale, and a depth of -1 is unknown (the node
 * could not read it): both are ignored, and a queue with no other report keeps its alert as it is.
 */
export function queueLagRule(input: QueueLagInput): RuleOutcome {
  const live = reports(input, (state, pending) => state !== 'down' && pending >= 0);
  const firing: AlertCondition[] = [];
  for (const [queue, report] of live) {
    if (report.pending <= input.maxPending) continue;
    firing.push({
      rule: 'queue_lag',
      subject: queue,
      message: `queue ${queue} has ${report.pending} messages pending (limit ${input.maxPending})`,
      details: { queue, pending: report.pending, maxPending: input.maxPending, reportedBy: report.reportedBy },
    });
  }

  const anyReport = reports(input, () => true);
  return ruleOutcome('queue_lag', firing, input, (alert) => {
    const report = live.get(alert.subject);
    if (report) return `queue ${alert.subject} has ${report.pending} messages pending (limit ${input.maxPending})`;
    if (anyReport.has(alert.subject)) return undefined;
    return forgottenReason(alert, input, `queue ${alert.subject}`);
  });
}

function reports(input: QueueLagInput, include: (state: string, pending: number) => boolean): Map<string, QueueReport> {
  const byQueue = new Map<string, QueueReport>();
  for (const node of input.nodes) {
    for (const queue of node.heartbeat.queues) {
      if (!include(node.state, queue.pending)) continue;
      const report = byQueue.get(queue.name) ?? { pending: 0, reportedBy: [] };
      report.pending = Math.max(report.pending, queue.pending);
      report.reportedBy.push(node.heartbeat.node);
      byQueue.set(queue.name, report);
    }
  }
  return byQueue;
}
