import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { TarsConfig } from '../../config/tars-config.js';
import { natsConnectionOptions } from './nats-options.js';

/**
 * The node's raw NATS connection, for JetStream and KV (request/reply goes through Nest's client).
 * Opened on first use and kept for the life of the node (it reconnects forever).
 */
@Injectable()
export class NatsConnectionService implements OnApplicationShutdown {
  private readonly logger = new Logger('nats');
  private connecting?: Promise<NatsConnection>;

  constructor(private readonly config: TarsConfig) {}

  get configured(): boolean {
    return this.config.nats.url !== '';
  }

  connection(): Promise<NatsConnection> {
    if (!this.configured) return Promise.reject(new Error('NATS is not configured (nats.url)'));
    this.connecting ??= connect(natsConnectionOptions(this.config, 'jetstream')).then((nc) => {
      this.logger.log('JetStream connection open');
      return nc;
    });
    return this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.connecting) return;
    const nc = await this.connecting.catch(() => undefined);
    await nc?.drain().catch(() => nc.close());
  }
}
