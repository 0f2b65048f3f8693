import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import type { TarsConfig } from '../../../config/tars-config.js';
import type { AlertDto } from '../../../contracts/monitoring/alert.dto.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { AlertWebhook } from './alert-webhook.js';

const ALERT: AlertDto = {
  id: '5f0c3f51-3a43-4c57-9d0e-0f5d3b9b2d11',
  rule: 'disk_low',
  subject: 'pc1',
  state: 'firing',
  message: 'node pc1 has 4% free (4.0 GiB) on /data (minimum 10%)',
  firedAt: '2026-03-01T12:00:00.000Z',
  firedBy: 'mon',
  details: { freePercent: 4 },
};
const CLUSTER = { nodes: 2, up: 2, suspect: 0, down: 0 };

let server: Server;
let url: string;
let statuses: number[];
let received: { headers: Record<string, unknown>; body: Record<string, unknown> }[];
let warnings: string[];
let metrics: MetricsService;

function webhook(overrides: Record<string, string> = {}): AlertWebhook {
  const config = testConfig({ TARS_NODE_NAME: 'mon', TARS_MONITORING_ALERTS_WEBHOOK_URL: url, TARS_MONITORING_ALERTS_WEBHOOK_TIMEOUT_MS: '500', ...overrides });
  return new AlertWebhook(config as TarsConfig, metrics);
}
const outcomes = async () => Object.fromEntries((await metrics.alertNotifications.get()).values.map((v) => [v.labels.outcome, v.value]));

beforeEach(async () => {
  statuses = [];
  received = [];
  warnings = [];
  metrics = new MetricsService();
  vi.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
      const status = statuses.shift() ?? 200;
      if (status === 0) return; // never answers
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterEach(async () => {
  vi.restoreAllMocks();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('AlertWebhook', () => {
  it('POSTs the transition as JSON: status, a one-line text, the alert, the sending node and the cluster', async () => {
    const sut = webhook();
    sut.notify('firing', ALERT, CLUSTER);
    sut.notify('resolved', { ...ALERT, state: 'resolved', resolution: 'node pc1 has 30% free' }, CLUSTER);
    await sut.drain();
    expect(received.map((r) => r.headers['content-type'])).toEqual(['application/json', 'application/json']);
    expect(received[0].body).toEqual({
      status: 'firing',
      text: '[FIRING] disk_low pc1: node pc1 has 4% free (4.0 GiB) on /data (minimum 10%)',
      alert: ALERT,
      node: { name: 'mon', version: expect.any(String) },
      cluster: CLUSTER,
      sentAt: expect.any(String),
    });
    expect(received[1].body).toMatchObject({ status: 'resolved', text: '[RESOLVED] disk_low pc1: node pc1 has 30% free' });
    expect(await outcomes()).toEqual({ sent: 2 });
  });

  it('retries once after a 5xx', async () => {
    statuses = [503];
    const sut = webhook();
    sut.notify('firing', ALERT, CLUSTER);
    await sut.drain();
    expect(received).toHaveLength(2);
    expect(warnings).toEqual([]);
    expect(await outcomes()).toEqual({ sent: 1 });
  });

  it('gives up after the retry, logging the reason, without throwing', async () => {
    statuses = [500, 502];
    const sut = webhook();
    sut.notify('firing', ALERT, CLUSTER);
    await expect(sut.drain()).resolves.toBeUndefined();
    expect(received).toHaveLength(2);
    expect(warnings).toEqual(['alert webhook failed for firing disk_low pc1 after 2 attempt(s): HTTP 502 Bad Gateway']);
    expect(await outcomes()).toEqual({ failed: 1 });
  });

  it('does not retry a 4xx that a retry cannot fix', async () => {
    statuses = [404];
    const sut = webhook();
    sut.notify('firing', ALERT, CLUSTER);
    await sut.drain();
    expect(received).toHaveLength(1);
    expect(warnings).toEqual(['alert webhook failed for firing disk_low pc1 after 1 attempt(s): HTTP 404 Not Found']);
  });

  it('limits each POST to webhookTimeoutMs', async () => {
    statuses = [0, 0];
    const sut = webhook();
    sut.notify('firing', ALERT, CLUSTER);
    await sut.drain();
    expect(received).toHaveLength(2);
    expect(warnings).toEqual(['alert webhook failed for firing disk_low pc1 after 2 attempt(s): no answer within 500 ms']);
  });

  it('sends nothing when no URL is set', async () => {
    const sut = webhook({ TARS_MONITORING_ALERTS_WEBHOOK_URL: '' });
    sut.notify('firing', ALERT, CLUSTER);
    await sut.drain();
    expect(received).toEqual([]);
  });
});

describe('monitoring.alerts.webhookUrl', () => {
  it('takes one http(s) URL', () => {
    expect(() => testConfig({ TARS_MONITORING_ALERTS_WEBHOOK_URL: 'http://a.example/x,http://b.example/y' })).toThrow(/one URL/);
    expect(() => testConfig({ TARS_MONITORING_ALERTS_WEBHOOK_URL: 'ftp://a.example/x' })).toThrow(/http/);
  });
});
