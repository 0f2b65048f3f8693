import { ClientNats } from '@nestjs/microservices';
import { prefixedSubject } from './nats-options.js';

type MsPattern = Parameters<ClientNats['send']>[0];
type NatsClientOptions = ConstructorParameters<typeof ClientNats>[0];

/** Nest's NATS client, publishing under this install's subject prefix (the counterpart of PrefixedNatsServer). */
export class PrefixedNatsClient extends ClientNats {
  constructor(
    options: NatsClientOptions,
    private readonly subjectPrefix: string,
  ) {
    super(options);
  }

  protected override normalizePattern(pattern: MsPattern): string {
    return prefixedSubject(this.subjectPrefix, super.normalizePattern(pattern));
  }
}
