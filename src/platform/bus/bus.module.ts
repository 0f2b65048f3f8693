import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { TarsConfigValues } from '../../config/config.schema.js';
import { TarsConfig } from '../../config/tars-config.js';
import type { ModuleContract } from '../../contracts/contract.js';
import { NatsConnectionService } from './nats-connection.service.js';
import { natsConnectionOptions } from './nats-options.js';
import { NodeState } from './node-state.js';
import { PrefixedNatsClient } from './prefixed-nats.client.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { natsBinding } from './remote-binding.js';
import { QueueRegistry } from '../queue/queue-registry.js';

/** Injection token of the node's NATS request client (present only when nats.url is set). */
export const NATS_CLIENT = 'NatsClient';

@Injectable()
class NatsClientLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('nats');
  constructor(@Inject(NATS_CLIENT) private readonly client: PrefixedNatsClient) {}

  /** Connects in the background so that start-up does not wait for NATS; calls made before then fail fast. */
  onApplicationBootstrap(): void {
    this.client.connect().then(
      () => this.logger.log('client connected'),
      (err) => this.logger.error(`client connection failed: ${(err as Error).message}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/**
 * NATS plumbing of a node: the request client, and the NATS bindings of the contracts whose
 * modules run elsewhere.
 */
@Global()
@Module({})
export class BusModule {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static forRoot(config: TarsConfigValues, remoteContracts: ReadonlyArray<ModuleContract<any>>): DynamicModule {
    if (config.nats.url === '') {
      return {
        module: BusModule,
        providers: [NodeState, NatsConnectionService, QueueRegistry],
        exports: [NodeState, NatsConnectionService, QueueRegistry],
      };
    }
    return {
      module: BusModule,
      providers: [
        NodeState,
        NatsConnectionService,
        QueueRegistry,
        {
          provide: NATS_CLIENT,
          useFactory: () => new PrefixedNatsClient(natsConnectionOptions(config, 'client'), config.nats.subjectPrefix),
        },
        NatsClientLifecycle,
        ...remoteContracts.map((contract) => ({
          provide: contract.token,
          useFactory: (client: PrefixedNatsClient, cfg: TarsConfigValues, metrics: MetricsService) =>
            natsBinding(contract, client, cfg.nats.requestTimeoutMs, (subject, outcome, seconds) =>
              metrics.observeRemoteCall(subject, outcome, seconds),
            ),
          inject: [NATS_CLIENT, TarsConfig, MetricsService],
        })),
      ],
      exports: [NATS_CLIENT, NodeState, NatsConnectionService, QueueRegistry, ...remoteContracts.map((c) => c.token)],
    };
  }
}
