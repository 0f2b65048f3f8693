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
  private open?: NatsConnection;
  private closed = false;

  constructor(private readonly config: TarsConfig) {}

  get configured(): boolean {
    return this.config.nats.url !== '';
  }

  connection(): Promise<NatsConnection> {
    if (!this.configured) return Promise.reject(new Error('NATS is not configured (nats.url)'));
    if (this.closed) return Promise.reject(new Error('the node is shutting down'));
    this.connecting ??= connect(natsConnectionOptions(this.config, 'jetstream')).then(async (nc) => {
      if (this.closed) {
        // The first attempt succeeded after shutdown began: nobody may use it.
        await nc.close();
        throw new Error('the node is shutting down');
      }
      this.open = nc;
      this.logger.log('JetStream connection open');
      return nc;
    });
    return this.connecting;
  }

  /**
   * Drains an open connection. A first attempt still waiting for a server (NATS down since the
   * start: it retries forever) is not waited for, or a stop would hang until systemd kills the node.
   */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const nc = this.open;
    if (!nc) return;
    await nc.drain().catch(() => nc.close());
  }
}
