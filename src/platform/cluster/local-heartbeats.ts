import { Injectable, Logger } from '@nestjs/common';
import type { NodeHeartbeat } from '../../contracts/monitoring/heartbeat.js';

export type HeartbeatListener = (beat: NodeHeartbeat) => void;

/**
 * This node's own heartbeats, delivered in process. A monitoring node sees itself through here
 * in every setup: the embedded single process has no NATS, and while NATS is down the node is
 * still up to itself. (With NATS it hears the same beat over the wire too; the view takes the
 * duplicate as the same beat.)
 */
@Injectable()
export class LocalHeartbeats {
  private readonly logger = new Logger('cluster');
  private readonly listeners = new Set<HeartbeatListener>();

  /** Calls `listener` with every heartbeat this node publishes; returns the unsubscribe function. */
  subscribe(listener: HeartbeatListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deliver(beat: NodeHeartbeat): void {
    for (const listener of this.listeners) {
      try {
        listener(beat);
      } catch (err) {
        this.logger.debug(`a local heartbeat listener failed: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }
}
