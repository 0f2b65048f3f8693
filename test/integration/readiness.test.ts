import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/main.js';
import { testConfig, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { embeddingTestConfig, hashingModel } from '../support/embedding-config.js';
import { call } from '../support/http.js';
import { OwnNatsServer } from '../support/nats-server.js';
import { NATS_URL } from '../support/services.js';

async function readiness(node: RunningNode) {
  return call(node.url, 'GET', '/health/ready');
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

describe('readiness follows the database', () => {
  let database: TestDatabase;
  let node: RunningNode;
  afterAll(async () => {
    await node?.close();
    await database?.drop();
  });

  it('answers 503 naming the database when it is gone, while liveness stays 200', async () => {
    database = await createTestDatabase('ready');
    node = await startNode(testConfig({ DATABASE_URL: database.url, TARS_DATABASE_HEALTH_TIMEOUT_MS: '1000' }));
    // Checks are asserted one by one: this node has no LLM, so its readiness as a whole is down for that reason.
    expect((await readiness(node)).body.details.database).toMatchObject({ status: 'up' });

    await database.drop(); // terminates the node's connections and removes the database
    const ready = await readiness(node);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('error');
    expect(ready.body.error.database).toMatchObject({ status: 'down', message: expect.any(String) });
    expect((await call(node.url, 'GET', '/health/live')).status).toBe(200);
  });
});

describe('readiness follows NATS', () => {
  let nats: OwnNatsServer;
  let node: RunningNode;
  afterAll(async () => {
    await node?.close();
    await nats?.dispose();
  });

  it('checks NATS only when configured, answers 503 while it is down, and recovers when it is back', async () => {
    nats = await OwnNatsServer.start();
    node = await startNode(testConfig({ NATS_URL: nats.url, TARS_DATABASE_HEALTH_TIMEOUT_MS: '1000' }));
    const natsUp = (r: Awaited<ReturnType<typeof readiness>>) => r.body.details?.nats?.status === 'up';
    const up = await eventually(() => readiness(node), natsUp, 10_000);
    expect(up.body.details.nats).toMatchObject({ status: 'up' });

    await nats.stop();
    const down = await eventually(() => readiness(node), (r) => r.body.details?.nats?.status === 'down', 10_000);
    expect(down.status).toBe(503);
    expect(down.body.error.nats).toMatchObject({ status: 'down', message: expect.any(String) });
    expect(down.body.details.database).toMatchObject({ status: 'up' });

    await nats.start(); // same port: the node reconnects by itself (it never gives up)
    const back = await eventually(() => readiness(node), natsUp, 20_000);
    expect(back.body.details.nats).toMatchObject({ status: 'up' });
  });

  it('does not check NATS on a node without it', async () => {
    const alone = await startNode(testConfig());
    try {
      const ready = await readiness(alone);
      expect(ready.body.details.database).toMatchObject({ status: 'up' });
      expect(ready.body.details.nats).toBeUndefined();
    } finally {
      await alone.close();
    }
  });
});

/**
 * A TCP relay in front of a server that can stop relaying (both ways) without closing anything:
 * what a hung database looks like to a client.
 */
class PausableRelay {
  private paused = false;
  private readonly held: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<PausableRelay> {
    const server = createServer();
    const relay = new PausableRelay(server);
    server.on('connection', (client) => {
      const upstream = connect(target.port, target.host);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        relay.sockets.add(from);
        from.on('data', (data) => (relay.paused ? relay.held.push(() => to.write(data)) : to.write(data)));
        from.on('error', () => to.destroy());
        from.on('close', () => {
          relay.sockets.delete(from);
          to.end();
        });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const write of this.held.splice(0)) write();
  }

  async close(): Promise<void> {
    this.resume();
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('readiness: disk and memory thresholds', () => {
  let database: TestDatabase;
  let node: RunningNode;
  afterAll(async () => {
    await node?.close();
    await database?.drop();
  });

  it('answers 503 with the numbers when the data folder has less free space or the machine less memory than configured', async () => {
    database = await createTestDatabase('ready_thresholds');
    node = await startNode(
      testConfig({ DATABASE_URL: database.url, TARS_HEALTH_MIN_FREE_DISK_PERCENT: '100', TARS_HEALTH_MIN_FREE_MEMORY_MB: '100000000' }),
    );
    const ready = await readiness(node);
    expect(ready.status).toBe(503);
    expect(ready.body.error.disk).toMatchObject({
      status: 'down',
      minFreePercent: 100,
      freePercent: expect.any(Number),
      freeMb: expect.any(Number),
      path: expect.any(String),
      message: expect.stringMatching(/% of the disk of .* is free \(minimum 100 %\)/),
    });
    expect(ready.body.error.memory).toMatchObject({
      status: 'down',
      minFreeMb: 100000000,
      availableMb: expect.any(Number),
      message: expect.stringMatching(/MiB of memory available \(minimum 100000000 MiB\)/),
    });
    expect(ready.body.details.database).toMatchObject({ status: 'up' });
  });

  it('reports disk and memory up, with their numbers, under the default thresholds', async () => {
    const alone = await startNode(testConfig({ DATABASE_URL: database.url }));
    try {
      const ready = await readiness(alone);
      expect(ready.body.details.disk).toMatchObject({ status: 'up', minFreePercent: 5, freePercent: expect.any(Number) });
      expect(ready.body.details.memory).toMatchObject({ status: 'up', minFreeMb: 256, availableMb: expect.any(Number) });
    } finally {
      await alone.close();
    }
  });
});

describe('readiness: a check that hangs', () => {
  let database: TestDatabase;
  let relay: PausableRelay;
  let node: RunningNode;
  afterAll(async () => {
    relay?.resume();
    await node?.close();
    await relay?.close();
    await database?.drop();
  });

  it('is down with "timed out after N ms" within the limit, and the other checks are still reported', async () => {
    database = await createTestDatabase('ready_hang');
    const direct = new URL(database.url);
    relay = await PausableRelay.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const relayed = new URL(database.url);
    relayed.port = String(relay.port);
    // The database's own probe limit is far longer: only the readiness limit can end the check.
    node = await startNode(
      testConfig({ DATABASE_URL: relayed.toString(), TARS_DATABASE_HEALTH_TIMEOUT_MS: '120000', TARS_HEALTH_CHECK_TIMEOUT_MS: '1500' }),
    );
    expect((await readiness(node)).body.details.database).toMatchObject({ status: 'up' });

    relay.pause();
    const ready = await readiness(node);
    expect(ready.status).toBe(503);
    expect(ready.body.error.database).toEqual({ status: 'down', message: 'timed out after 1500 ms' });
    expect(ready.body.details.disk).toMatchObject({ status: 'up' });
    expect(ready.body.details.memory).toMatchObject({ status: 'up' });
    expect(Object.keys(ready.body.details)).toEqual(expect.arrayContaining(['database', 'llm', 'vectorIndex', 'disk', 'memory']));

    relay.resume();
    const back = await eventually(() => readiness(node), (r) => r.body.details?.database?.status === 'up', 10_000);
    expect(back.body.details.database).toMatchObject({ status: 'up' });
  });
});

describe('readiness of a processing node with JetStream', () => {
  const prefix = uniqueSubjectPrefix();
  const ingestStream = `${prefix}_ingest`;
  const questionStream = `${prefix}_questions`;
  let database: TestDatabase;
  let nc: NatsConnection;
  let node: RunningNode;
  afterAll(async () => {
    await node?.close();
    if (nc) {
      const jsm = await jetstreamManager(nc);
      for await (const name of jsm.streams.names()) if (name.startsWith(`${prefix}_`)) await jsm.streams.delete(name).catch(() => undefined);
      await nc.close();
    }
    await database?.drop();
  });

  it('reports its vector index per model and each JetStream consumer with its backlog', async () => {
    database = await createTestDatabase('ready_processing');
    nc = await connectNats({ servers: NATS_URL });
    node = await startNode(
      embeddingTestConfig({
        models: [hashingModel()],
        env: { DATABASE_URL: database.url, NATS_URL, TARS_NATS_SUBJECT_PREFIX: prefix },
      }),
    );
    const ready = await eventually(
      () => readiness(node),
      (r) => r.body.details?.vectorIndex?.status === 'up' && r.body.details?.jetstream?.status === 'up',
      20_000,
    );
    expect(ready.body.details.vectorIndex).toEqual({
      status: 'up',
      models: { hashing: { phase: 'ready', kind: 'flat', vectors: 0, tombstones: 0 } },
    });
    const queues = ready.body.details.jetstream.queues;
    expect(Object.keys(queues)).toEqual(expect.arrayContaining([ingestStream, questionStream]));
    expect(queues[ingestStream]).toEqual({ consumer: `${ingestStream}_workers`, pulling: true, exists: true, pending: 0, ackPending: 0 });
    // Without an LLM the node is not ready, for that reason only.
    expect(Object.keys(ready.body.error)).toEqual(['llm']);
  });

  it('reports jetstream down while a consumer is missing, and up again once the workers created it again', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(ingestStream, `${ingestStream}_workers`);
    const down = await eventually(() => readiness(node), (r) => r.body.details?.jetstream?.status === 'down', 10_000);
    expect(down.status).toBe(503);
    expect(down.body.error.jetstream.message).toMatch(new RegExp(`${ingestStream}: the consumer ${ingestStream}_workers of stream ${ingestStream} does not exist`));
    expect(down.body.error.jetstream.queues[ingestStream]).toMatchObject({ exists: false, pulling: true });
    expect(down.body.error.jetstream.queues[questionStream]).toMatchObject({ exists: true });

    const back = await eventually(() => readiness(node), (r) => r.body.details?.jetstream?.status === 'up', 30_000);
    expect(back.body.details.jetstream.queues[ingestStream]).toMatchObject({ exists: true, pulling: true });
    expect((await jsm.consumers.info(ingestStream, `${ingestStream}_workers`)).config.durable_name).toBe(`${ingestStream}_workers`);
  });

  it('has neither a vectorIndex nor a jetstream check on a node without processing or orchestrator', async () => {
    const cognitive = await startNode(
      testConfig({ DATABASE_URL: database.url, NATS_URL, TARS_NATS_SUBJECT_PREFIX: prefix, TARS_ROLES: 'inference,memory,api' }),
    );
    try {
      const ready = await readiness(cognitive);
      expect(Object.keys(ready.body.details).sort()).toEqual(['database', 'disk', 'llm', 'memory', 'nats']);
    } finally {
      await cognitive.close();
    }
  });
});
