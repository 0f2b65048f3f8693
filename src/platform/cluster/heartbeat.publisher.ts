import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { TarsConfig } from '../../config/tars-config.js';
import type { NodeHeartbeat } from '../../contracts/monitoring/heartbeat.js';
import { NatsConnectionService } from '../bus/nats-connection.service.js';
import { withTimeout } from '../health/with-timeout.js';
import { heartbeatSubject } from './heartbeat-subject.js';
import { LocalHeartbeats } from './local-heartbeats.js';
import { NodeStats } from './node-stats.js';

/** How long a graceful shutdown waits for its last heartbeat to leave. */
const FAREWELL_FLUSH_MS = 1000;

/**
 * Publishes this node's heartbeat every `monitoring.heartbeatIntervalMs`, on every node whatever
 * its roles: plain JSON on core NATS (a lost beat only delays the view), and in process to the
 * local cluster view. The first beat goes out at start (and again as soon as NATS is connected);
 * a graceful shutdown sends a last beat with `stopping: true` so that the view marks the node down
 * at once. Failures are logged at debug level: a heartbeat never stops a node.
 */
@Injectable()
export class HeartbeatPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('cluster');
  private readonly subject: string;
  private timer?: NodeJS.Timeout;
  private connection?: NatsConnection;
  private collecting = false;
  private running = false;

  constructor(
    private readonly config: TarsConfig,
    private readonly nats: NatsConnectionService,
    private readonly stats: NodeStats,
    private readonly local: LocalHeartbeats,
  ) {
    this.subject = heartbeatSubject(config.nats.subjectPrefix);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop({ farewell: true });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.nats.configured) {
      this.nats.connection().then(
        (nc) => {
          if (!this.running) return;
          this.connection = nc;
          void this.beat();
        },
        (err: Error) => this.logger.debug(`heartbeats stay local: no NATS connection (${err.message})`),
      );
    }
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.monitoring.heartbeatIntervalMs);
    this.timer.unref();
  }

  /** Stops beating; with `farewell`, first tells the cluster that this node is stopping. */
  async stop(options: { farewell: boolean }): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    if (!options.farewell) return;
    try {
      const beat = await this.stats.collect();
      this.deliver({ ...beat, stopping: true });
      if (this.connection && !this.connection.isClosed()) await withTimeout(this.connection.flush(), FAREWELL_FLUSH_MS, 'NATS flush');
    } catch (err) {
      this.logger.debug(`the last heartbeat was not sent: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private async beat(): Promise<void> {
    if (this.collecting || !this.running) return;
    this.collecting = true;
    try {
      const beat = await this.stats.collect();
      if (this.running) this.deliver(beat);
    } catch (err) {
      this.logger.debug(`heartbeat not sent: ${(err as Error)?.message ?? String(err)}`);
    } finally {
      this.collecting = false;
    }
  }

  private deliver(beat: NodeHeartbeat): void {
    this.local.deliver(beat);
    const nc = this.connection;
    if (!nc) return;
    try {
      nc.publish(this.subject, JSON.stringify(beat));
    } catch (err) {
      this.logger.debug(`heartbeat not published on ${this.subject}: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}
