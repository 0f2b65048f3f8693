import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TarsConfig } from '../../config/tars-config.js';
import { NATS_CLIENT } from '../bus/bus.module.js';
import { NodeState } from '../bus/node-state.js';
import type { PrefixedNatsClient } from '../bus/prefixed-nats.client.js';
import { withTimeout } from './with-timeout.js';

/** Readiness: the NATS server answers a round trip (ping) in time. */
@Injectable()
export class NatsHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: TarsConfig,
    private readonly state: NodeState,
    @Optional() @Inject(NATS_CLIENT) private readonly client?: PrefixedNatsClient,
  ) {}

  get configured(): boolean {
    return this.client !== undefined;
  }

  async check() {
    const session = this.health.check('nats');
    const started = Date.now();
    try {
      if (!this.client) throw new Error('NATS is not configured');
      const connection = this.client.unwrap<{ flush(): Promise<void>; isClosed(): boolean }>();
      if (connection.isClosed()) throw new Error('the NATS connection is closed');
      await withTimeout(connection.flush(), this.config.database.healthTimeoutMs, 'the NATS server');
      // Other nodes can reach this one only once its handlers are subscribed.
      if (!this.state.natsHandlersSubscribed) throw new Error('this node is not yet answering NATS calls');
      return session.up({ latencyMs: Date.now() - started });
    } catch (err) {
      const message = (err as Error).message.startsWith('Not initialized') ? 'not connected to NATS yet' : (err as Error).message;
      return session.down({ message });
    }
  }
}
