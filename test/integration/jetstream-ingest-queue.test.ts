import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobContext, JobOutcome } from '../../src/modules/processing/queue/ingest-queue.js';
import { JetStreamIngestQueue, streamName } from '../../src/modules/processing/queue/jetstream-ingest-queue.js';
import { uniqueSubjectPrefix } from '../support/config.js';
import { NATS_URL } from '../support/services.js';

const until = async (check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
};

describe('JetStreamIngestQueue (real NATS JetStream)', () => {
  let nc: NatsConnection;
  const prefix = uniqueSubjectPrefix();
  const options = { subjectPrefix: prefix, stream: 'ingest', ackWaitMs: 1500, maxDeliver: 3, concurrency: 1 };

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamName(options)).catch(() => undefined);
    await jsm.streams.delete(`${streamName(options)}_dead`).catch(() => undefined);
    await nc.close();
  });

  it('de-duplicates a job queued twice, and two consumers of the stream share the jobs', async () => {
    const producer = new JetStreamIngestQueue(async () => nc, options);
    await producer.enqueue({ documentId: 'doc-1' });
    await producer.enqueue({ documentId: 'doc-1' });
    for (let i = 2; i <= 6; i++) await producer.enqueue({ documentId: `doc-${i}` });
    expect(await producer.depth()).toBe(6);

    const handled: Record<string, string[]> = { a: [], b: [] };
    const handler = (name: string) => async (job: { documentId: string }): Promise<JobOutcome> => {
      handled[name].push(job.documentId);
      await new Promise((r) => setTimeout(r, 50));
      return { kind: 'done' };
    };
    const [a, b] = [new JetStreamIngestQueue(async () => nc, options), new JetStreamIngestQueue(async () => nc, options)];
    await a.start(handler('a'));
    await b.start(handler('b'));
    await until(() => handled.a.length + handled.b.length === 6);
    await Promise.all([a.stop(), b.stop()]);
    expect([...handled.a, ...handled.b].sort()).toEqual(['doc-1', 'doc-2', 'doc-3', 'doc-4', 'doc-5', 'doc-6']);
    expect(await producer.depth()).toBe(0);
  });

  it('delivers a job again when its worker died without acknowledging it, and after a retry', async () => {
    const queue = new JetStreamIngestQueue(async () => nc, options);
    await queue.enqueue({ documentId: 'orphan' });
    // A worker takes the job and dies: no ack, no heartbeat.
    const dead = await jetstream(nc).consumers.get(streamName(options), `${streamName(options)}_workers`);
    const taken = await dead.next({ expires: 2000 });
    expect(taken?.json()).toEqual({ documentId: 'orphan' });

    const contexts: JobContext[] = [];
    await queue.start(async (_job, context): Promise<JobOutcome> => {
      contexts.push(context);
      return context.attempt === 2 ? { kind: 'retry', delayMs: 100 } : { kind: 'done' };
    });
    // Delivered again once the ack wait (1.5 s) of the dead worker's delivery has passed, then retried once.
    await until(() => contexts.length === 2, 15_000);
    await queue.stop();
    expect(contexts.map((c) => c.attempt)).toEqual([2, 3]);
    expect(contexts[1].lastAttempt).toBe(true);
  });

  it('moves a malformed message to the dead-letter stream with its reason, and goes on with the next job', async () => {
    const queue = new JetStreamIngestQueue(async () => nc, options);
    await queue.ensure();
    const js = jetstream(nc);
    await js.publish(`${prefix}.jobs.ingest`, 'this is not JSON', { msgID: 'garbage-1' });
    await js.publish(`${prefix}.jobs.ingest`, JSON.stringify({ document: 'wrong field' }), { msgID: 'garbage-2' });
    await queue.enqueue({ documentId: 'after-garbage' });

    const handled: string[] = [];
    await queue.start(async (job): Promise<JobOutcome> => {
      handled.push(job.documentId);
      return { kind: 'done' };
    });
    await until(() => handled.length === 1);
    // Past the ack wait (1.5 s): a malformed message that was not terminated would be delivered again.
    await new Promise((r) => setTimeout(r, 2500));
    await queue.stop();
    expect(handled).toEqual(['after-garbage']);
    expect(await queue.deadLetterCount()).toBe(2);

    const dead = await jetstreamManager(nc);
    const first = await dead.streams.getMessage(`${streamName(options)}_dead`, { seq: 1 });
    expect(JSON.parse(first!.string())).toMatchObject({ stream: 'ingest', reason: expect.stringMatching(/^not JSON/), data: 'this is not JSON' });
    const second = await dead.streams.getMessage(`${streamName(options)}_dead`, { seq: 2 });
    expect(JSON.parse(second!.string()).reason).toBe('an ingestion job needs a documentId');
    expect(await queue.depth()).toBe(0);
  });
});
