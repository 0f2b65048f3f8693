import { ServerNats } from '@nestjs/microservices';
import { prefixedSubject } from './nats-options.js';

type NatsClient = Parameters<ServerNats['bindEvents']>[0];
type NatsServerOptions = ConstructorParameters<typeof ServerNats>[0];

/**
 * Nest's NATS server, subscribing every handler under this install's subject prefix.
 * Handlers keep their prefix-free pattern (the contract's subject), so one contract works with any prefix.
 */
export class PrefixedNatsServer extends ServerNats {
  constructor(
    options: NatsServerOptions,
    private readonly subjectPrefix: string,
  ) {
    super(options);
  }

  override bindEvents(client: NatsClient): void {
    // `options` and `subscriptions` are private in the typings but this is how ServerNats itself subscribes.
    const self = this as unknown as { options: NatsServerOptions; subscriptions: unknown[] };
    const defaultQueue = self.options?.queue;
    for (const [pattern, handler] of this.messageHandlers) {
      const queue = (handler.extras?.queue as string | undefined) ?? defaultQueue;
      const subscription = client.subscribe(prefixedSubject(this.subjectPrefix, pattern), {
        queue,
        callback: this.getMessageHandler(pattern).bind(this),
      });
      self.subscriptions.push(subscription);
    }
  }
}
