import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARS_VERSION } from '../../src/platform/version.js';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { NATS_URL } from '../support/services.js';
import { freePort, runCli, TarsProcess } from '../support/tars-process.js';
import { hashingEmbeddingsEnv } from '../support/node-env.mjs';

/**
 * Issue 6, point 1: the cluster view across OS processes. Node A (api, memory, monitoring) keeps
 * the view; node B (orchestrator, processing: a processing PC without monitoring) only publishes
 * heartbeats. Both share one NATS subject prefix and one PostgreSQL database. The tests run in
 * order: B is killed, started again, then stopped gracefully.
 */
const TIMING = { heartbeatIntervalMs: 300, suspectAfterMs: 1500, downAfterMs: 3000 };
/** Room for a loaded 2-core machine: a limit, never an expectation. */
const PATIENCE_MS = 30_000;

interface NodeEntry {
  node: string;
  state: string;
  roles: string[];
  version: string;
  instanceId: string;
  secondsSinceLastSeen: number;
  stopping?: boolean;
  queues: { name: string; pending: number }[];
}

describe('cluster view across two tars serve processes', () => {
  let db: TestDatabase;
  let common: Record<string, string>;
  let a: TarsProcess;
  let b: TarsProcess;
  let adminKey: string;
  const started: TarsProcess[] = [];
  const dataDirs: string[] = [];

  async function launch(name: string, roles: string, env: Record<string, string> = {}): Promise<TarsProcess> {
    const dir = tempDataDir(name);
    dataDirs.push(dir);
    const node = new TarsProcess(name, await freePort(), { ...common, TARS_ROLES: roles, TARS_DATA_DIR: dir, ...env });
    started.push(node); // registered before it starts, so that afterAll stops it even if starting fails
    await node.start();
    return node;
  }

  async function clusterNodes(): Promise<NodeEntry[]> {
    const res = await call(a.url, 'GET', '/cluster/nodes', { key: adminKey });
    expect(res.status).toBe(200);
    return res.body.nodes as NodeEntry[];
  }

  /** Polls the view until `done` holds for node `name`; returns every distinct state seen on the way, with its silence. */
  async function watch(name: string, done: (node: NodeEntry) => boolean) {
    const seen: { state: string; silenceMs: number }[] = [];
    const deadline = Date.now() + PATIENCE_MS;
    while (Date.now() < deadline) {
      const node = (await clusterNodes()).find((n) => n.node === name);
      if (node && seen.at(-1)?.state !== node.state) seen.push({ state: node.state, silenceMs: node.secondsSinceLastSeen * 1000 });
      if (node && done(node)) return { node, seen };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} did not reach the expected state; seen ${JSON.stringify(seen)}\n${a.output.slice(-3000)}`);
  }

  const cli = (args: string[], env: Record<string, string> = {}) => runCli(['health', ...args], { TARS_API_KEY: adminKey, ...env });

  beforeAll(async () => {
    db = await createTestDatabase('e2e_cluster');
    common = {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(),
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      TARS_MONITORING_HEARTBEAT_INTERVAL_MS: String(TIMING.heartbeatIntervalMs),
      TARS_MONITORING_SUSPECT_AFTER_MS: String(TIMING.suspectAfterMs),
      TARS_MONITORING_DOWN_AFTER_MS: String(TIMING.downAfterMs),
      ...hashingEmbeddingsEnv(),
    };
    a = await launch('node-a', 'api,memory,monitoring');
    adminKey = readFileSync(join(a.env.TARS_DATA_DIR, 'admin.key'), 'utf8').trim();
    b = await launch('node-b', 'orchestrator,processing');
  });

  afterAll(async () => {
    await Promise.allSettled(started.map((n) => n.kill()));
    await db?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('GET /cluster/nodes lists both nodes, up, with their roles and version (read scope needed)', async () => {
    await watch('node-b', (n) => n.state === 'up');
    const nodes = await clusterNodes();
    expect(nodes.map((n) => [n.node, n.state, n.roles])).toEqual([
      ['node-a', 'up', ['memory', 'monitoring', 'api']],
      ['node-b', 'up', ['orchestrator', 'processing']],
    ]);
    for (const node of nodes) expect(node).toMatchObject({ version: TARS_VERSION, instanceId: expect.any(String) });

    const anonymous = await call(a.url, 'GET', '/cluster/nodes');
    expect(anonymous.status).toBe(401);
  });

  it('tars health prints the node’s readiness checks and exits 0 when ready; tars health --cluster prints both nodes', async () => {
    const health = await cli(['--url', a.url]);
    expect(health.code, health.stderr).toBe(0);
    expect(health.stdout).toMatch(/node-a \(memory, monitoring, api\).*: ready/);
    expect(health.stdout).toMatch(/database\s+up/);
    expect(health.stdout).toMatch(/nats\s+up/);

    const json = await cli(['--url', a.url, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ready: true, status: 'ok', node: { node: 'node-a' }, checks: { database: { status: 'up' } } });

    const cluster = await cli(['--url', a.url, '--cluster']);
    expect(cluster.code, cluster.stderr).toBe(0);
    expect(cluster.stdout).toMatch(/cluster as seen by node-a .*: 2 node\(s\), 2 up, 0 suspect, 0 down/);
    expect(cluster.stdout).toMatch(/^node-a\s+up\s+memory,monitoring,api\s/m);
    expect(cluster.stdout).toMatch(/^node-b\s+up\s+orchestrator,processing\s/m);

    const clusterJson = await cli(['--url', a.url, '--cluster', '--json']);
    expect(JSON.parse(clusterJson.stdout).nodes.map((n: NodeEntry) => n.node)).toEqual(['node-a', 'node-b']);
  });

  it('a killed node (SIGKILL) is marked down once silent for downAfterMs, never sooner; tars health then exits 1 for the cluster and 2 for that node', async () => {
    const before = (await clusterNodes()).find((n) => n.node === 'node-b')!;
    await b.kill();
    const { node, seen } = await watch('node-b', (n) => n.state === 'down');
    expect(seen[0].state).not.toBe('down');
    // Rounded to 0.1 s in the answer: allow for that, never for early.
    expect(seen.at(-1)!.silenceMs).toBeGreaterThanOrEqual(TIMING.downAfterMs - 100);
    for (const step of seen.filter((s) => s.state === 'suspect')) expect(step.silenceMs).toBeGreaterThanOrEqual(TIMING.suspectAfterMs - 100);
    expect(node).toMatchObject({ instanceId: before.instanceId });
    expect(node.stopping).toBeUndefined();
    expect((await clusterNodes()).find((n) => n.node === 'node-a')?.state).toBe('up');

    const cluster = await cli(['--url', a.url, '--cluster']);
    expect(cluster.code).toBe(1);
    expect(cluster.stdout).toMatch(/^node-b\s+down\s/m);
    expect(a.output).toMatch(/node node-b is down: no heartbeat for/);

    const unreachable = await cli(['--url', b.url]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/no TARS node answers at/);
  });

  it('the node started again (new instance) is up; stopped gracefully (SIGTERM), it is down at once, marked as stopping', async () => {
    const killed = (await clusterNodes()).find((n) => n.node === 'node-b')!;
    b = await launch('node-b', 'orchestrator,processing');
    const { node: back } = await watch('node-b', (n) => n.state === 'up');
    expect(back.instanceId).not.toBe(killed.instanceId);

    await b.stop('SIGTERM');
    const { node: stopped } = await watch('node-b', (n) => n.state === 'down');
    expect(stopped).toMatchObject({ stopping: true, instanceId: back.instanceId });
  });

  it('tars health exits 1 when the node answers not ready, naming the failing check', async () => {
    const server: Server = createServer((request, response) => {
      const ready = { status: 'error', info: {}, error: { database: { status: 'down', message: 'connection refused' } }, details: { database: { status: 'down', message: 'connection refused' } } };
      const body = request.url === '/health/ready' ? ready : { status: 'ok', node: 'fake', roles: ['api'], version: '0.0.0', uptimeSeconds: 5 };
      response.writeHead(request.url === '/health/ready' ? 503 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const result = await cli(['--url', url]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/fake \(api\).*: NOT READY/);
      expect(result.stdout).toMatch(/database\s+down\s+message connection refused/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('without a monitoring node on the install, GET /cluster/nodes answers 503 and tars health --cluster exits 1', async () => {
    const lone = await launch('node-c', 'api,memory', { TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(), TARS_NATS_REQUEST_TIMEOUT_MS: '1500' });
    // Same database as A: A's admin key works here too.
    const res = await call(lone.url, 'GET', '/cluster/nodes', { key: adminKey });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'module_unavailable' });
    expect(res.body.message).toMatch(/monitoring module/);

    const cluster = await cli(['--url', lone.url, '--cluster']);
    expect(cluster.code).toBe(1);
    expect(cluster.stderr).toMatch(/503/);
    await lone.stop();
  });
});
