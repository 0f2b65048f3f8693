import { afterAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/main.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OwnNatsServer } from '../support/nats-server.js';

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
