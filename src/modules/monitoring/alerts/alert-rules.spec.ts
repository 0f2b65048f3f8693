import { describe, expect, it } from 'vitest';
import { knownNode } from '../../../../test/support/known-node.factory.js';
import { testConfig } from '../../../../test/support/config.js';
import { type EvaluationInput, evaluateRules } from './alert-rules.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const rules = testConfig().monitoring.alerts.rules;
const input = (overrides: Partial<EvaluationInput>): EvaluationInput => ({
  nodes: [],
  open: [],
  now: NOW,
  forgetAfterMs: 86_400_000,
  observer: 'mon',
  downAfterMs: 20_000,
  http: { requests: 0, serverErrors: 0, byNode: {}, observedMs: 0 },
  ...overrides,
});

describe('evaluateRules', () => {
  it('applies every enabled rule to the same view', () => {
    const nodes = [
      knownNode('pc1', { state: 'down', lastSeenAt: NOW - 60_000 }),
      knownNode('pc2', { beat: { queues: [{ name: 'q', pending: 5000 }], disk: { path: '/d', freeBytes: 1, totalBytes: 100, freePercent: 1 } } }),
    ];
    const { fire } = evaluateRules(input({ nodes }), rules);
    expect(fire.map((c) => `${c.rule}:${c.subject}`)).toEqual(['node_down:pc1', 'queue_lag:q', 'disk_low:pc2']);
  });

  it('a disabled rule fires nothing and resolves what it had fired', () => {
    const nodes = [knownNode('pc1', { state: 'down', lastSeenAt: NOW - 60_000 })];
    const open = [{ id: 'a1', rule: 'node_down' as const, subject: 'pc1', firedAt: NOW - 1000 }];
    const outcome = evaluateRules(input({ nodes, open }), { ...rules, nodeDown: { enabled: false } });
    expect(outcome).toEqual({ fire: [], resolve: [{ alert: open[0], reason: 'the rule is disabled' }] });
  });
});
