import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TarsConfig } from '../../src/config/tars-config.js';
import { startNode, type RunningNode } from '../../src/main.js';
import type { KnownNode } from '../../src/modules/monitoring/cluster/cluster-view.js';
import { ClusterView } from '../../src/modules/monitoring/cluster/cluster-view.js';
import { AlertEvaluator } from '../../src/modules/monitoring/alerts/alert-evaluator.js';
import { AlertService } from '../../src/modules/monitoring/alerts/alert-service.js';
import { AlertStore } from '../../src/modules/monitoring/alerts/alert-store.js';
import { AlertWebhook } from '../../src/modules/monitoring/alerts/alert-webhook.js';
import { openDatabase, type OpenDatabase } from '../../src/platform/database/database.js';
import { MetricsService } from '../../src/platform/metrics/metrics.service.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { knownNode } from '../support/known-node.factory.js';
import { freePort } from '../support/tars-process.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- webhook bodies are inspected field by field
type Json = any;

/** A webhook receiver on loopback that keeps every POST body. */
class WebhookReceiver {
  readonly bodies: Json[] = [];
  readonly server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      this.bodies.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  about(subject: string): Json[] {
    return this.bodies.filter((b) => b.alert.subject === subject);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** One monitoring node's alert parts, built as Nest would, on its own connection pool. */
interface Monitor {
  evaluator: AlertEvaluator;
  webhook: AlertWebhook;
  service: AlertService;
  metrics: MetricsService;
}

let database: TestDatabase;
const pools: OpenDatabase[] = [];
let receiver: WebhookReceiver;
let view: KnownNode[];
let logs: { level: string; message: string }[];

async function monitor(name: string, env: Record<string, string> = {}): Promise<Monitor> {
  const config = testConfig({
    DATABASE_URL: database.url,
    TARS_NODE_NAME: name,
    TARS_MONITORING_ALERTS_WEBHOOK_URL: receiver.url,
    TARS_MONITORING_ALERTS_WEBHOOK_TIMEOUT_MS: '2000',
    ...env,
  }) as TarsConfig;
  const pool = await openDatabase(config, []);
  pools.push(pool);
  const metrics = new MetricsService();
  const store = new AlertStore(pool.dataSource);
  const webhook = new AlertWebhook(config, metrics);
  const clusterView = { nodes: () => view } as unknown as ClusterView;
  return { evaluator: new AlertEvaluator(config, clusterView, store, webhook, metrics), webhook, service: new AlertService(config, store), metrics };
}

/** A node name of its own per test: every test shares the database. */
const unique = (label: string) => `${label}-${randomBytes(3).toString('hex')}`;
const logsAbout = (level: string, subject: string) => logs.filter((l) => l.level === level && l.message.includes(` ${subject}:`));

beforeAll(async () => {
  database = await createTestDatabase('alerts');
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  for (const pool of pools) await pool.close();
  await receiver?.stop();
  await database?.drop();
});
beforeEach(() => {
  logs = [];
  for (const level of ['warn', 'error', 'log', 'debug'] as const) {
    vi.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => void logs.push({ level, message: String(message) }));
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('alert evaluation on PostgreSQL', () => {
  it('fires once across several ticks (one warning, one POST), then resolves once when the condition clears', async () => {
    const pc = unique('pc');
    const mon = await monitor(unique('mon'));
    view = [knownNode(pc, { state: 'down', lastSeenAt: Date.now() - 45_000 })];
    for (let i = 0; i < 3; i++) await mon.evaluator.tick();
    await mon.webhook.drain();

    expect(logsAbout('warn', pc)).toEqual([{ level: 'warn', message: expect.stringContaining(`alert firing: node_down ${pc}: node ${pc} is down: not heard for 45 s`) }]);
    expect(receiver.about(pc)).toEqual([
      {
        status: 'firing',
        text: expect.stringContaining(`[FIRING] node_down ${pc}: node ${pc} is down`),
        alert: expect.objectContaining({ rule: 'node_down', subject: pc, state: 'firing', details: expect.objectContaining({ node: pc, silentSeconds: 45 }) }),
        node: { name: expect.stringMatching(/^mon-/), version: expect.any(String) },
        cluster: { nodes: 1, up: 0, suspect: 0, down: 1 },
        sentAt: expect.any(String),
      },
    ]);
    expect((await mon.service.list({})).active.filter((a) => a.subject === pc)).toHaveLength(1);

    view = [knownNode(pc)];
    for (let i = 0; i < 3; i++) await mon.evaluator.tick();
    await mon.webhook.drain();

    expect(logsAbout('log', pc)).toEqual([{ level: 'log', message: expect.stringContaining(`alert resolved: node_down ${pc}: node ${pc} is up again`) }]);
    expect(receiver.about(pc).map((b) => b.status)).toEqual(['firing', 'resolved']);
    expect(receiver.about(pc)[1].alert).toMatchObject({ state: 'resolved', resolution: `node ${pc} is up again`, resolvedAt: expect.any(String) });
    const list = await mon.service.list({});
    expect(list.active.filter((a) => a.subject === pc)).toEqual([]);
    expect(list.recent.filter((a) => a.subject === pc)).toEqual([expect.objectContaining({ rule: 'node_down', state: 'resolved' })]);
  });

  it('stores at most one open alert per rule and subject: of concurrent fires and resolves, exactly one wins', async () => {
    const subject = unique('pc');
    await monitor(unique('mon'));
    const stores = [new AlertStore(pools.at(-1)!.dataSource), new AlertStore(pools[0].dataSource)];
    const condition = { rule: 'disk_low' as const, subject, message: 'low', details: { freePercent: 1 } };
    const fired = await Promise.all([...stores, ...stores].map((store, i) => store.fire(condition, `mon-${i}`)));
    expect(fired.filter(Boolean)).toHaveLength(1);
    const id = fired.find(Boolean)!.id;
    const resolved = await Promise.all([...stores, ...stores].map((store, i) => store.resolve(id, 'fine again', `mon-${i}`)));
    expect(resolved.filter(Boolean)).toEqual([expect.objectContaining({ id, state: 'resolved', resolution: 'fine again' })]);
    // Resolved, the same rule and subject can fire again as a new alert.
    const again = await stores[0].fire(condition, 'mon-0');
    expect(again).toMatchObject({ subject, state: 'firing' });
    const rows: Json[] = await pools[0].dataSource.query('SELECT state FROM monitoring_alerts WHERE subject = $1 ORDER BY fired_at', [subject]);
    expect(rows.map((r) => r.state)).toEqual(['resolved', 'firing']);
    await stores[0].resolve(again!.id, 'test over', 'mon-0');
  });

  it('with two monitoring nodes on one database: one alert, one log line and one POST per transition', async () => {
    const pc = unique('pc');
    const [a, b] = await Promise.all([monitor(unique('mon-a')), monitor(unique('mon-b'))]);
    view = [knownNode(pc, { beat: { disk: { path: '/data', freeBytes: 2 * 1024 ** 3, totalBytes: 100 * 1024 ** 3, freePercent: 2 } } })];
    for (let i = 0; i < 3; i++) await Promise.all([a.evaluator.tick(), b.evaluator.tick()]);
    view = [knownNode(pc)];
    for (let i = 0; i < 3; i++) await Promise.all([a.evaluator.tick(), b.evaluator.tick()]);
    await Promise.all([a.webhook.drain(), b.webhook.drain()]);

    expect(logsAbout('warn', pc)).toHaveLength(1);
    expect(logsAbout('log', pc)).toHaveLength(1);
    expect(receiver.about(pc).map((body) => body.status)).toEqual(['firing', 'resolved']);
    const rows: Json[] = await pools[0].dataSource.query('SELECT rule, state FROM monitoring_alerts WHERE subject = $1', [pc]);
    expect(rows).toEqual([{ rule: 'disk_low', state: 'resolved' }]);
  });

  it('keeps evaluating when the webhook is down, logging why each notification failed', async () => {
    const pc = unique('pc');
    const mon = await monitor(unique('mon'), { TARS_MONITORING_ALERTS_WEBHOOK_URL: `http://127.0.0.1:${await freePort()}/hook` });
    view = [knownNode(pc, { beat: { queues: [{ name: `${pc}-queue`, pending: 5000 }] } })];
    await expect(mon.evaluator.tick()).resolves.toBeUndefined();
    view = [knownNode(pc, { beat: { queues: [{ name: `${pc}-queue`, pending: 0 }] } })];
    await expect(mon.evaluator.tick()).resolves.toBeUndefined();
    await mon.webhook.drain();

    const failures = logs.filter((l) => l.message.startsWith('alert webhook failed') && l.message.includes(`${pc}-queue`));
    expect(failures.map((l) => l.message)).toEqual([
      expect.stringMatching(new RegExp(`^alert webhook failed for firing queue_lag ${pc}-queue after 2 attempt\\(s\\): .*ECONNREFUSED`)),
      expect.stringMatching(new RegExp(`^alert webhook failed for resolved queue_lag ${pc}-queue after 2 attempt\\(s\\): .*ECONNREFUSED`)),
    ]);
    const recent = (await mon.service.list({ recent: 1000 })).recent.filter((a) => a.subject === `${pc}-queue`);
    expect(recent).toEqual([expect.objectContaining({ rule: 'queue_lag', resolution: `queue ${pc}-queue has 0 messages pending (limit 1000)` })]);
    const outcomes = (await mon.metrics.alertNotifications.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(Object.fromEntries(outcomes)).toEqual({ failed: 2 });
  });

  it('survives a database outage: never throws, logs it once, and catches up once the database is back', async () => {
    const pc = unique('pc');
    const mon = await monitor(unique('mon'));
    const pool = pools.at(-1)!;
    await pool.dataSource.destroy();
    view = [knownNode(pc, { state: 'down', lastSeenAt: Date.now() - 60_000 })];
    for (let i = 0; i < 3; i++) await expect(mon.evaluator.tick()).resolves.toBeUndefined();
    expect(logs.filter((l) => l.level === 'error' && l.message.startsWith('alert evaluation failed'))).toHaveLength(1);
    expect(logsAbout('warn', pc)).toEqual([]);

    await pool.dataSource.initialize();
    await mon.evaluator.tick();
    await mon.webhook.drain();
    expect(logs).toContainEqual({ level: 'log', message: 'alert evaluation works again' });
    expect(logsAbout('warn', pc)).toHaveLength(1);
    expect(receiver.about(pc).map((b) => b.status)).toEqual(['firing']);
    view = [knownNode(pc)];
    await mon.evaluator.tick();
  });
});

describe('GET /alerts on a running node', () => {
  let node: RunningNode;
  let key: string;
  const down = unique('pc');
  const full = unique('pc');
  const getAlerts = () => call(node.url, 'GET', '/alerts', { key });
  /** The active alerts of this test's nodes (the database is shared with the tests above). */
  const active = async () =>
    ((await getAlerts()).body.active as Json[])
      .filter((a) => [down, full].includes(a.subject))
      .map((a) => `${a.rule}:${a.subject}`)
      .sort();

  beforeAll(async () => {
    const config = testConfig({
      DATABASE_URL: database.url,
      TARS_MONITORING_ALERTS_EVALUATE_INTERVAL_MS: '200',
      TARS_MONITORING_SUSPECT_AFTER_MS: '300',
      TARS_MONITORING_ALERTS_KEEP_RESOLVED: '1',
    });
    node = await startNode(config);
    key = readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
  });
  afterAll(async () => {
    await node?.close();
  });

  it('shows the active alerts, then the resolved ones as recent (at most keepResolved)', async () => {
    const lowDisk = { path: '/data', freeBytes: 1024 ** 3, totalBytes: 100 * 1024 ** 3, freePercent: 1 };
    let current = [knownNode(down, { state: 'down', lastSeenAt: Date.now() - 30_000 }), knownNode(full, { beat: { disk: lowDisk } })];
    vi.spyOn(node.app.get(ClusterView), 'nodes').mockImplementation(() => current);

    await expect
      .poll(active, { timeout: 20_000, interval: 200 })
      .toEqual([`disk_low:${full}`, `node_down:${down}`].sort());

    current = [knownNode(down), knownNode(full)];
    await expect.poll(active, { timeout: 20_000, interval: 200 }).toEqual([]);
    const res = await getAlerts();
    expect(res.status).toBe(200);
    // keepResolved 1: only the most recent resolved alert is shown, whatever `recent` asks.
    expect(res.body.recent).toEqual([expect.objectContaining({ subject: expect.stringMatching(new RegExp(`^(${down}|${full})$`)), state: 'resolved', resolution: expect.any(String) })]);
    expect((await call(node.url, 'GET', '/alerts?recent=100', { key })).body.recent).toHaveLength(1);
  });

  it('validates the query and requires a key', async () => {
    expect((await call(node.url, 'GET', '/alerts?recent=0', { key })).status).toBe(400);
    expect((await call(node.url, 'GET', '/alerts?recent=abc', { key })).status).toBe(400);
    expect((await call(node.url, 'GET', '/alerts')).status).toBe(401);
  });
});
