import { describe, expect, it } from 'vitest';
import { knownNode } from '../../../../test/support/known-node.factory.js';
import type { OpenAlert } from './alert-condition.js';
import { type DiskLowInput, diskLowRule } from './disk-low.rule.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const GiB = 1024 ** 3;
const input = (overrides: Partial<DiskLowInput>): DiskLowInput => ({ nodes: [], open: [], now: NOW, forgetAfterMs: 86_400_000, minFreePercent: 10, ...overrides });
const open = (subject: string, firedAt = NOW - 60_000): OpenAlert => ({ id: `id-${subject}`, rule: 'disk_low', subject, firedAt });
const withDisk = (node: string, freePercent: number, state: 'up' | 'down' = 'up') =>
  knownNode(node, { state, beat: { disk: { path: '/data', freeBytes: freePercent * GiB, totalBytes: 100 * GiB, freePercent } } });

describe('disk_low rule', () => {
  it('fires for a node under minFreePercent, not at it', () => {
    const { fire } = diskLowRule(input({ nodes: [withDisk('pc1', 7.46), withDisk('pc2', 10)] }));
    expect(fire).toEqual([
      {
        rule: 'disk_low',
        subject: 'pc1',
        message: 'node pc1 has 7.5% free (7.5 GiB) on /data (minimum 10%)',
        details: { node: 'pc1', path: '/data', freePercent: 7.46, freeBytes: 7.46 * GiB, totalBytes: 100 * GiB, minFreePercent: 10 },
      },
    ]);
  });

  it('resolves once the node has enough free space again', () => {
    const { fire, resolve } = diskLowRule(input({ nodes: [withDisk('pc1', 25)], open: [open('pc1')] }));
    expect(fire).toEqual([]);
    expect(resolve).toEqual([{ alert: open('pc1'), reason: 'node pc1 has 25% free (25.0 GiB) on /data (minimum 10%)' }]);
  });

  it('neither fires nor resolves on the stale report of a node that is down', () => {
    expect(diskLowRule(input({ nodes: [withDisk('pc1', 2, 'down'), withDisk('pc2', 50, 'down')], open: [open('pc2')] }))).toEqual({ fire: [], resolve: [] });
  });
});
