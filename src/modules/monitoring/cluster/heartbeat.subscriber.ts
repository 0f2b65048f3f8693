import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { TarsConfig } from '../../../config/tars-config.js';
import { NatsConnectionService } from '../../../platform/bus/nats-connection.service.js';
import { heartbeatSubject } from '../../../platform/cluster/heartbeat-subject.js';
import { LocalHeartbeats } from '../../../platform/cluster/local-heartbeats.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { ClusterView } from './cluster-view.js';
import { parseHeartbeat } from './heartbeat-parser.js';

/**
 * Feeds the cluster view: this node's own beats in process, and every node's beats from NATS.
 * The NATS subscription is a raw one without a queue group (Nest's NATS server would put its
 * queue group on an @EventPattern), so that every monitoring node hears every node. Malformed
 * beats are counted (`tars_cluster_heartbeats_rejected_total`) and dropped.
 */
@Injectable()
export class HeartbeatSubscriber implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('cluster');
  private readonly subject: string;
  private subscription?: Subscription;
  private stopLocal?: () => void;
  private closed = false;
  private warnedMalformed = false;

  constructor(
    config: TarsConfig,
    private readonly nats: NatsConnectionService,
    private readonly local: LocalHeartbeats,
    private readonly view: ClusterView,
    private readonly metrics: MetricsService,
  ) {
    this.subject = heartbeatSubject(config.nats.subjectPrefix);
  }

  /** Listens before any heartbeat is published (publishers start at application bootstrap). */
  onModuleInit(): void {
    this.closed = false;
    this.stopLocal = this.local.subscribe((beat) => this.receive(beat));
    if (this.nats.configured) void this.subscribe();
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.stopLocal?.();
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** One heartbeat, from the wire (JSON bytes) or from this process; true when the view took it. */
  receive(data: unknown): boolean {
    const parsed = parseHeartbeat(data);
    if (parsed.ok) {
      this.view.record(parsed.heartbeat);
      return true;
    }
    this.metrics.clusterHeartbeatsRejected.inc();
    const message = `malformed heartbeat ignored (${parsed.reason})`;
    if (this.warnedMalformed) this.logger.debug(message);
    else this.logger.warn(`${message}; further ones are logged at debug level and counted in tars_cluster_heartbeats_rejected_total`);
    this.warnedMalformed = true;
    return false;
  }

  private async subscribe(): Promise<void> {
    try {
      const nc = await this.nats.connection();
      if (this.closed) return;
      this.subscription = nc.subscribe(this.subject, {
        callback: (err, msg) => {
          if (err) this.logger.debug(`heartbeat subscription: ${err.message}`);
          else this.receive(msg.data);
        },
      });
      this.logger.log(`listening to heartbeats on ${this.subject}`);
    } catch (err) {
      this.logger.warn(`cannot listen to heartbeats on ${this.subject}: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}
