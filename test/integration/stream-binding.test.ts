import { Injectable, Module } from '@nestjs/common';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { firstValueFrom, interval, Observable, toArray } from 'rxjs';
import { map, take } from 'rxjs/operators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule } from '../../src/config/config.module.js';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { defineContract } from '../../src/contracts/contract.js';
import { ModuleUnavailableError, NotFoundError, ValidationFailedError } from '../../src/contracts/errors.js';
import { contractMessageHandlers, provideLocalContract } from '../../src/platform/bus/contract-binding.js';
import { NatsConnectionService } from '../../src/platform/bus/nats-connection.service.js';
import { natsConnectionOptions } from '../../src/platform/bus/nats-options.js';
import { PrefixedNatsClient } from '../../src/platform/bus/prefixed-nats.client.js';
import { PrefixedNatsServer } from '../../src/platform/bus/prefixed-nats.server.js';
import { natsBinding } from '../../src/platform/bus/remote-binding.js';
import { testConfig, uniqueSubjectPrefix } from '../support/config.js';
import { NATS_URL } from '../support/services.js';

class CountCommand {
  @Type(() => Number) @IsInt() @Min(1) @Max(1000) n: number;
  @IsInt() @Min(0) @IsOptional() delayMs?: number;
  @IsInt() @Min(0) @IsOptional() failAt?: number;
}

interface Counter {
  count(command: CountCommand): Observable<{ i: number }>;
}

/** A contract with one stream method, bound over a real NATS server. */
const COUNTER = defineContract<Counter>({
  module: 'inference',
  token: 'CounterForTest',
  methods: { count: { subject: 'test.counter.count', request: CountCommand, stream: true, timeoutMs: 600 } },
});

@Injectable()
class CountingService implements Counter {
  /** How many streams were torn down before they finished (unsubscribed by a cancel). */
  cancelled = 0;
  finished = 0;

  count(command: CountCommand): Observable<{ i: number }> {
    return new Observable<{ i: number }>((subscriber) => {
      let done = false;
      const sub = interval(command.delayMs ?? 1)
        .pipe(take(command.n), map((i) => ({ i })))
        .subscribe({
          next: (item) => {
            if (command.failAt !== undefined && item.i === command.failAt) {
              done = true;
              subscriber.error(new NotFoundError(`no item ${item.i}`, { item: item.i }));
              return;
            }
            subscriber.next(item);
          },
          complete: () => {
            done = true;
            this.finished++;
            subscriber.complete();
          },
        });
      return () => {
        sub.unsubscribe();
        if (!done) this.cancelled++;
      };
    });
  }
}

describe('stream methods across NATS', () => {
  let config: TarsConfigValues;
  let service: CountingService;
  let remote: Counter;
  let client: PrefixedNatsClient;
  let close: () => Promise<void>;

  beforeAll(async () => {
    config = testConfig({ NATS_URL, TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix() });
    @Module({
      imports: [ConfigModule.forRoot(config)],
      providers: [NatsConnectionService, ...provideLocalContract(COUNTER, CountingService)],
      controllers: [contractMessageHandlers(COUNTER)],
    })
    class ServingModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ServingModule] }).compile();
    const app = moduleRef.createNestMicroservice<MicroserviceOptions>({
      strategy: new PrefixedNatsServer({ ...natsConnectionOptions(config, 'server'), queue: 'q' }, config.nats.subjectPrefix),
      logger: false,
    });
    await app.listen();
    service = app.get(CountingService);
    client = new PrefixedNatsClient(natsConnectionOptions(config, 'client'), config.nats.subjectPrefix);
    await client.connect();
    remote = natsBinding(COUNTER, client, 5000);
    close = async () => {
      await client.close();
      await app.close();
    };
  });
  afterAll(() => close?.());

  it('delivers every item in order, then completes', async () => {
    const items = await firstValueFrom(remote.count({ n: 50 }).pipe(toArray()));
    expect(items.map((x) => x.i)).toEqual([...Array(50).keys()]);
  });

  it('keeps a quiet stream alive past the silence limit with keep-alives', async () => {
    // 600 ms allowed between frames; items come every 900 ms.
    const items = await firstValueFrom(remote.count({ n: 2, delayMs: 900 }).pipe(toArray()));
    expect(items).toEqual([{ i: 0 }, { i: 1 }]);
  });

  it('ends with the same error class when the source fails mid-stream', async () => {
    const seen: number[] = [];
    const err = await new Promise<unknown>((resolve) =>
      remote.count({ n: 10, failAt: 3 }).subscribe({ next: (x) => seen.push(x.i), error: resolve, complete: () => resolve('completed') }),
    );
    expect(seen).toEqual([0, 1, 2]);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).details).toEqual({ item: 3 });
  });

  it('validates the payload on the serving side', async () => {
    const err = await firstValueFrom(remote.count({ n: 0 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationFailedError);
  });

  it('cancels the source on the serving node when the caller unsubscribes', async () => {
    const before = service.cancelled;
    const firstTwo = await firstValueFrom(remote.count({ n: 1000, delayMs: 20 }).pipe(take(2), toArray()));
    expect(firstTwo).toEqual([{ i: 0 }, { i: 1 }]);
    await expect.poll(() => service.cancelled, { timeout: 3000 }).toBe(before + 1);
  });

  it('fails at once with ModuleUnavailableError when no node serves the method', async () => {
    const orphan = new PrefixedNatsClient(natsConnectionOptions(config, 'orphan'), uniqueSubjectPrefix());
    try {
      const err = await firstValueFrom(natsBinding(COUNTER, orphan, 5000).count({ n: 1 })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModuleUnavailableError);
      expect((err as ModuleUnavailableError).details).toMatchObject({ reason: 'no_responders' });
    } finally {
      await orphan.close();
    }
  });
});
