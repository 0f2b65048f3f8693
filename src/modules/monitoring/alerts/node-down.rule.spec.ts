import { describe, expect, it } from 'vitest';
import { knownNode } from '../../../../test/support/known-node.factory.js';
import type { OpenAlert } from './alert-condition.js';
import { type NodeDownInput, nodeDownRule } from './node-down.rule.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const input = (overrides: Partial<NodeDownInput>): NodeDownInput => ({
  nodes: [],
  open: [],
  now: NOW,
  forgetAfterMs: 86_400_000,
  observer: 'mon',
  downAfterMs: 20_000,
  ...overrides,
});
const open = (subject: string, firedAt = NOW - 60_000, rule: OpenAlert['rule'] = 'node_down'): OpenAlert => ({ id: `id-${subject}`, rule, subject, firedAt });

describe('node_down rule', () => {
  it('fires for each node the view holds as down, naming the node, its silence and the threshold', () => {
    const nodes = [knownNode('mon'), knownNode('pc1', { state: 'down', lastSeenAt: NOW - 35_000 }), knownNode('pc2', { state: 'suspect', lastSeenAt: NOW - 14_000 })];
    const { fire, resolve } = nodeDownRule(input({ nodes }));
    expect(fire).toEqual([
      {
        rule: 'node_down',
        subject: 'pc1',
        message: 'node pc1 is down: not heard for 35 s (down after 20 s)',
        details: expect.objectContaining({ node: 'pc1', silentSeconds: 35, downAfterMs: 20_000, lastSeenAt: new Date(NOW - 35_000).toISOString() }),
      },
    ]);
    expect(resolve).toEqual([]);
  });

  it('keeps firing (no resolution) while the node stays down', () => {
    const nodes = [knownNode('pc1', { state: 'down', lastSeenAt: NOW - 90_000 })];
    const { fire, resolve } = nodeDownRule(input({ nodes, open: [open('pc1')] }));
    expect(fire.map((c) => c.subject)).toEqual(['pc1']);
    expect(resolve).toEqual([]);
  });

  it('resolves the alert of a node heard again', () => {
    const { fire, resolve } = nodeDownRule(input({ nodes: [knownNode('pc1')], open: [open('pc1')] }));
    expect(fire).toEqual([]);
    expect(resolve).toEqual([{ alert: open('pc1'), reason: 'node pc1 is up again' }]);
  });

  it('keeps the alert of a node the view does not know (an observer that started after it died), until forgetAfterMs', () => {
    const recent = open('gone', NOW - 3_600_000);
    const old = open('ancient', NOW - 86_400_001);
    const { resolve } = nodeDownRule(input({ nodes: [knownNode('mon')], open: [recent, old] }));
    expect(resolve).toEqual([{ alert: old, reason: 'node ancient has not been reported for 24 h: forgotten' }]);
  });

  it('judges nothing when the observer itself looks silent (its process was stalled, not everyone else)', () => {
    const nodes = [knownNode('mon', { state: 'down', lastSeenAt: NOW - 60_000 }), knownNode('pc1', { state: 'down', lastSeenAt: NOW - 60_000 })];
    expect(nodeDownRule(input({ nodes, open: [open('pc2')] }))).toEqual({ fire: [], resolve: [] });
  });

  it('leaves the open alerts of other rules alone', () => {
    const { resolve } = nodeDownRule(input({ nodes: [knownNode('pc1')], open: [open('pc1', NOW, 'disk_low')] }));
    expect(resolve).toEqual([]);
  });
});
