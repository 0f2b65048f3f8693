import { describe, expect, it } from 'vitest';
import { knownNode } from '../../../../test/support/known-node.factory.js';
import type { OpenAlert } from './alert-condition.js';
import { type QueueLagInput, queueLagRule } from './queue-lag.rule.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const input = (overrides: Partial<QueueLagInput>): QueueLagInput => ({ nodes: [], open: [], now: NOW, forgetAfterMs: 86_400_000, maxPending: 100, ...overrides });
const open = (subject: string, firedAt = NOW - 60_000): OpenAlert => ({ id: `id-${subject}`, rule: 'queue_lag', subject, firedAt });
const withQueues = (node: string, queues: { name: string; pending: number }[], state: 'up' | 'down' = 'up') => knownNode(node, { state, beat: { queues } });

describe('queue_lag rule', () => {
  it('fires for a queue above maxPending, not at it', () => {
    const nodes = [withQueues('pc2', [{ name: 'tars_ingest', pending: 101 }, { name: 'tars_questions', pending: 100 }])];
    expect(queueLagRule(input({ nodes })).fire).toEqual([
      {
        rule: 'queue_lag',
        subject: 'tars_ingest',
        message: 'queue tars_ingest has 101 messages pending (limit 100)',
        details: { queue: 'tars_ingest', pending: 101, maxPending: 100, reportedBy: ['pc2'] },
      },
    ]);
  });

  it('counts a queue reported by several consumers once, at the highest depth', () => {
    const nodes = [withQueues('pc2', [{ name: 'q', pending: 150 }]), withQueues('pc3', [{ name: 'q', pending: 180 }])];
    const { fire } = queueLagRule(input({ nodes }));
    expect(fire).toHaveLength(1);
    expect(fire[0]).toMatchObject({ subject: 'q', details: { pending: 180, reportedBy: ['pc2', 'pc3'] } });
  });

  it('ignores the stale report of a node that is down and a depth that could not be read (-1)', () => {
    const nodes = [withQueues('pc2', [{ name: 'q', pending: 5000 }], 'down'), withQueues('pc3', [{ name: 'r', pending: -1 }])];
    expect(queueLagRule(input({ nodes, open: [open('q'), open('r')] }))).toEqual({ fire: [], resolve: [] });
  });

  it('resolves when the queue is back under the limit, with the depth in the reason', () => {
    const { resolve } = queueLagRule(input({ nodes: [withQueues('pc2', [{ name: 'q', pending: 3 }])], open: [open('q')] }));
    expect(resolve).toEqual([{ alert: open('q'), reason: 'queue q has 3 messages pending (limit 100)' }]);
  });

  it('keeps the alert of a queue nobody reports until forgetAfterMs', () => {
    const nodes = [withQueues('pc2', [])];
    expect(queueLagRule(input({ nodes, open: [open('q')] })).resolve).toEqual([]);
    const old = open('q', NOW - 86_400_000);
    expect(queueLagRule(input({ nodes, open: [old] })).resolve).toEqual([{ alert: old, reason: 'queue q has not been reported for 24 h: forgotten' }]);
  });
});
