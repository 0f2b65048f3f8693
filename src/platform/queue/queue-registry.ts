import { Injectable } from '@nestjs/common';

/** A work queue consumed on this node, as health, metrics and heartbeats see it. */
export interface RegisteredQueue {
  /** Stream name (JetStream) or the in-process queue's name. */
  name: string;
  /** Jobs waiting or running, not yet acknowledged. */
  depth(): Promise<number>;
  /** Why the queue cannot deliver work right now (e.g. its JetStream consumer is missing), or undefined when it can. */
  problem?(): Promise<string | undefined>;
}

/** The work queues this node consumes; modules register theirs when they start consuming. */
@Injectable()
export class QueueRegistry {
  private readonly queues = new Map<string, RegisteredQueue>();

  register(queue: RegisteredQueue): void {
    this.queues.set(queue.name, queue);
  }

  unregister(name: string): void {
    this.queues.delete(name);
  }

  list(): RegisteredQueue[] {
    return [...this.queues.values()];
  }
}
