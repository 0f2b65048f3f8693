import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { type ConsumerState, JetStreamWorkQueue } from '../queue/jetstream-work-queue.js';
import { QueueRegistry } from '../queue/queue-registry.js';
import { jetStreamVerdict } from './verdicts.js';

/**
 * Readiness of the JetStream work queues this node consumes (ingestion, questions): each durable
 * consumer exists and this node's pull loops run; pending jobs as detail. One consumer-info call per queue.
 */
@Injectable()
export class JetStreamHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly registry: QueueRegistry,
  ) {}

  /** The queues this node consumes over JetStream (registered when their workers start). */
  private queues(): JetStreamWorkQueue<unknown>[] {
    return this.registry.list().filter((q): q is JetStreamWorkQueue<unknown> => q instanceof JetStreamWorkQueue);
  }

  /** Whether this node consumes a queue over JetStream at all (the check is left out otherwise). */
  get configured(): boolean {
    return this.queues().length > 0;
  }

  async check() {
    const session = this.health.check('jetstream');
    const states = await Promise.all(
      this.queues().map((queue) =>
        queue.consumerState().catch(
          (err: unknown): ConsumerState => ({
            stream: queue.name,
            consumer: `${queue.name}_workers`,
            pulling: false,
            exists: false,
            problem: `cannot ask the server about the consumer: ${(err as Error).message}`,
          }),
        ),
      ),
    );
    const verdict = jetStreamVerdict(states);
    return verdict.status === 'up' ? session.up(verdict.data) : session.down(verdict.data);
  }
}
