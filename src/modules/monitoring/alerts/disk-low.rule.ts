import type { KnownNode } from '../cluster/cluster-view.js';
import { type AlertCondition, forgottenReason, formatPercent, type RuleInput, type RuleOutcome, ruleOutcome } from './alert-condition.js';

export interface DiskLowInput extends RuleInput {
  minFreePercent: number;
}

/**
 * disk_low: a node whose data folder's file system has less than `minFreePercent` free; subject =
 * node name. A node that is down reports nothing new: its alert stays as it is.
 */
export function diskLowRule(input: DiskLowInput): RuleOutcome {
  const firing: AlertCondition[] = input.nodes
    .filter((n) => n.state !== 'down' && n.heartbeat.disk.freePercent < input.minFreePercent)
    .map((n) => ({
      rule: 'disk_low',
      subject: n.heartbeat.node,
      message: `node ${n.heartbeat.node} has ${describe(n)} (minimum ${formatPercent(input.minFreePercent)}%)`,
      details: {
        node: n.heartbeat.node,
        path: n.heartbeat.disk.path,
        freePercent: n.heartbeat.disk.freePercent,
        freeBytes: n.heartbeat.disk.freeBytes,
        totalBytes: n.heartbeat.disk.totalBytes,
        minFreePercent: input.minFreePercent,
      },
    }));

  return ruleOutcome('disk_low', firing, input, (alert) => {
    const node = input.nodes.find((n) => n.heartbeat.node === alert.subject);
    if (!node) return forgottenReason(alert, input, `node ${alert.subject}`);
    if (node.state === 'down') return undefined;
    return `node ${alert.subject} has ${describe(node)} (minimum ${formatPercent(input.minFreePercent)}%)`;
  });
}

function describe(node: KnownNode): string {
  const { freePercent, freeBytes, path } = node.heartbeat.disk;
  return `${formatPercent(freePercent)}% free (${(freeBytes / 1024 ** 3).toFixed(1)} GiB) on ${path}`;
}
