import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { TarsConfigValues } from '../../../config/config.schema.js';
import { natsConnectionOptions } from '../../../platform/bus/nats-options.js';
import type { EmbeddingLogger } from './embedding.types.js';

/** A cache is an optimisation: waiting for it longer than this is worse than computing the vector. */
const MAX_OPERATION_MS = 2000;
/** After a failed first connection, the next embed call tries again once this much time has passed. */
const RETRY_CONNECT_MS = 30_000;

/** The KV bucket of an install: its name carries the subject prefix, so installs (and tests) sharing a NATS server stay apart. */
export function sharedCacheBucket(subjectPrefix: string): string {
  return `${subjectPrefix.replace(/\./g, '_')}_embeddings`;
}

/**
 * The cache tier shared by every node: a NATS KV bucket whose entries expire after
 * `embeddings.cache.sharedTtlSeconds`. It is skipped while NATS is not connected, so that a NATS
 * outage slows nothing down; failures are logged once per outage. Once connected, the client
 * reconnects by itself; a first connection that fails is tried again later (not waited for).
 */
export class SharedEmbeddingCache {
  readonly bucket: string;
  private connection?: NatsConnection;
  private kv?: KV;
  private connected = false;
  private starting?: Promise<void>;
  private retryAt = 0;
  private closed = false;
  private warned = false;

  constructor(
    private readonly config: Pick<TarsConfigValues, 'nats' | 'nodeName' | 'embeddings'>,
    private readonly logger: EmbeddingLogger,
  ) {
    this.bucket = sharedCacheBucket(config.nats.subjectPrefix);
  }

  /** Connects and opens the bucket unless done, under way or recently failed; resolves when that attempt ends. */
  start(): Promise<void> {
    if (this.kv || this.closed) return Promise.resolve();
    if (this.starting) return this.starting;
    if (Date.now() < this.retryAt) return Promise.resolve();
    this.starting = this.open()
      .catch((err: Error) => {
        this.retryAt = Date.now() + RETRY_CONNECT_MS;
        void this.connection?.close();
        this.connection = undefined;
        this.warnOnce(`shared embedding cache is off for now (${err.message}); retrying every ${RETRY_CONNECT_MS / 1000} s`);
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  get ready(): boolean {
    return this.connected && this.kv !== undefined;
  }

  /** The stored bytes of the keys found; keys missing (or any failure) are simply absent. */
  async getMany(keys: readonly string[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    const kv = this.kv;
    if (!this.ready || !kv) return found;
    await Promise.all(
      keys.map(async (key) => {
        try {
          const entry = await kv.get(key);
          if (entry && entry.operation === 'PUT' && entry.value.length > 0) found.set(key, entry.value);
        } catch (err) {
          this.warnOnce(`shared embedding cache read failed: ${(err as Error).message}`);
        }
      }),
    );
    return found;
  }

  async putMany(entries: ReadonlyArray<[string, Uint8Array]>): Promise<void> {
    const kv = this.kv;
    if (!this.ready || !kv) return;
    await Promise.all(
      entries.map(([key, value]) =>
        kv.put(key, value).catch((err: Error) => this.warnOnce(`shared embedding cache write failed: ${err.message}`)),
      ),
    );
  }

  /** Closes the connection; a connection still being attempted is closed as soon as it is made. */
  async close(): Promise<void> {
    this.closed = true;
    this.connected = false;
    await this.connection?.close();
  }

  private async open(): Promise<void> {
    const connection = await connect({
      ...natsConnectionOptions(this.config as TarsConfigValues, 'embedding-cache'),
      waitOnFirstConnect: false, // fail fast when NATS is down: embedding goes on without this tier
      timeout: MAX_OPERATION_MS,
    });
    this.connection = connection;
    if (this.closed) return void (await connection.close());
    void this.followStatus(connection);
    const kvm = new Kvm(jetstream(connection, { timeout: MAX_OPERATION_MS }));
    const ttl = this.config.embeddings.cache.sharedTtlSeconds * 1000;
    try {
      this.kv = await kvm.create(this.bucket, { ttl, history: 1 });
    } catch (err) {
      // The bucket exists with other limits (another node's config): use it as it is.
      this.logger.warn(`embedding cache bucket ${this.bucket}: ${(err as Error).message}; opening it as it is`);
      this.kv = await kvm.open(this.bucket);
    }
    if (this.closed) return;
    this.connected = !connection.isClosed();
    this.warned = false;
    this.logger.log(`shared embedding cache: NATS KV bucket ${this.bucket}`);
  }

  private async followStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this.connected = false;
      if (status.type === 'reconnect') {
        this.connected = true;
        this.warned = false;
      }
    }
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn(message);
  }
}
