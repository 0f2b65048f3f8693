import { Controller, Inject, Logger, type Provider, type Type } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { defer, Observable } from 'rxjs';
import type { ContractMethod, ContractShape, ModuleContract } from '../../contracts/contract.js';
import { TarsError, toWireError, ValidationFailedError } from '../../contracts/errors.js';
import { TarsConfig } from '../../config/tars-config.js';
import { prefixedSubject } from './nats-options.js';
import { NatsConnectionService } from './nats-connection.service.js';
import { isStreamRequest, keepAliveMs, streamCancelSubject, type StreamFrame } from './stream-frames.js';
import { validatePayload } from './validate-payload.js';
import { typedFailure } from '../database/database-unavailable.js';
import { requestIdOfContext } from './request-id-header.js';
import { runWithRequestId } from '../logging/request-context.js';

type AnyContract = ModuleContract<ContractShape<unknown> & Record<string, (request: never) => Promise<unknown>>>;
type Implementation = Record<string, (payload: unknown) => Promise<unknown> | Observable<unknown>>;

/** Token of a module's own implementation (what the NATS handlers call); callers use `contract.token`. */
export function implementationToken(contract: { token: string }): string {
  return `${contract.token}#implementation`;
}

/** Calls an implementation after the same payload validation the NATS handlers apply. */
function validatingBinding(contract: AnyContract, impl: Implementation): Implementation {
  const binding: Implementation = {};
  for (const [method, def] of Object.entries(contract.methods) as [string, ContractMethod][]) {
    binding[method] = def.stream
      ? (payload) => defer(() => impl[method](validatePayload(def.request, payload)) as Observable<unknown>)
      : async (payload) => impl[method](validatePayload(def.request, payload));
  }
  return binding;
}

/**
 * Providers with which a module offers its contract on this node: the implementation class,
 * and the contract token bound to it locally.
 */
export function provideLocalContract<T extends ContractShape<T>>(
  contract: ModuleContract<T>,
  implementation: Type<T>,
): Provider[] {
  return [
    implementation,
    { provide: implementationToken(contract), useExisting: implementation },
    {
      provide: contract.token,
      useFactory: (impl: Implementation) => validatingBinding(contract as unknown as AnyContract, impl),
      inject: [implementationToken(contract)],
    },
  ];
}

/**
 * A Nest controller with one NATS message handler per contract method, generated from the
 * contract so that subjects and payload classes are written down once. Each handler validates
 * the payload, calls the local implementation and sends typed errors back as `{ code, message }`.
 */
export function contractMessageHandlers<T extends ContractShape<T>>(contract: ModuleContract<T>): Type<unknown> {
  const logger = new Logger(`${contract.module}:nats`);

  @Controller()
  class ContractHandlers {
    constructor(
      @Inject(implementationToken(contract)) readonly impl: Implementation,
      readonly nats: NatsConnectionService,
      readonly config: TarsConfig,
    ) {}
  }

  for (const [method, def] of Object.entries(contract.methods as AnyContract['methods']) as [string, ContractMethod][]) {
    // The caller's request id (a NATS header) is restored so that this node's log lines carry it too.
    const handler = def.stream
      ? function (this: ContractHandlers, request: unknown, context: unknown): Observable<StreamFrame> {
          const stream = serveStream(this, method, def, request, logger);
          const requestId = requestIdOfContext(context);
          // Nest subscribes later, outside this call: the subscription itself must run in the request.
          return requestId ? new Observable((subscriber) => runWithRequestId(requestId, () => stream.subscribe(subscriber))) : stream;
        }
      : function (this: ContractHandlers, payload: unknown, context: unknown): Promise<unknown> {
          return inRequest(context, async () => {
            const started = performance.now();
            try {
              const result = await this.impl[method](validatePayload(def.request, payload));
              logger.debug(`${def.subject} served in ${(performance.now() - started).toFixed(1)} ms`);
              return result;
            } catch (raw) {
              const err = typedFailure(raw);
              if (!(err instanceof TarsError)) logger.error(`${def.subject} failed: ${(err as Error)?.stack ?? String(err)}`);
              else logger.debug(`${def.subject} answered ${err.code} in ${(performance.now() - started).toFixed(1)} ms`);
              throw new RpcException(toWireError(err));
            }
          });
        };
    Object.defineProperty(ContractHandlers.prototype, method, { value: handler, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(ContractHandlers.prototype, method)!;
    MessagePattern(def.subject)(ContractHandlers.prototype, method, descriptor);
    // Declared explicitly: without parameter metadata Nest passes the payload only, not the context (headers).
    Payload()(ContractHandlers.prototype, method, 0);
    Ctx()(ContractHandlers.prototype, method, 1);
  }
  Object.defineProperty(ContractHandlers, 'name', { value: `${contract.token}Handlers` });
  return ContractHandlers;
}

function inRequest<T>(context: unknown, fn: () => T): T {
  const requestId = requestIdOfContext(context);
  return requestId ? runWithRequestId(requestId, fn) : fn();
}

interface StreamHost {
  impl: Implementation;
  nats: NatsConnectionService;
  config: TarsConfig;
}

/**
 * Serves one call of a stream method: items become frames, keep-alives fill silences, an error
 * becomes the last frame, and a message on the stream's cancel subject unsubscribes from the source
 * (which is how a generation upstream learns that its caller went away).
 */
function serveStream(host: StreamHost, method: string, def: ContractMethod, request: unknown, logger: Logger): Observable<StreamFrame> {
  return new Observable<StreamFrame>((subscriber) => {
    if (!isStreamRequest(request)) {
      subscriber.next({ e: toWireError(new ValidationFailedError('a stream call needs { streamId, payload }', { fields: [] })) });
      subscriber.complete();
      return undefined;
    }
    const fail = (raw: unknown) => {
      const err = typedFailure(raw);
      if (!(err instanceof TarsError)) logger.error(`${def.subject} failed: ${(err as Error)?.stack ?? String(err)}`);
      subscriber.next({ e: toWireError(err) });
      subscriber.complete();
    };
    let source: Observable<unknown>;
    try {
      source = host.impl[method](validatePayload(def.request, request.payload)) as Observable<unknown>;
    } catch (err) {
      fail(err);
      return undefined;
    }
    let cancelled = false;
    let cancel: { unsubscribe(): void } | undefined;
    void host.nats
      .connection()
      .then((nc) => {
        if (subscriber.closed) return;
        cancel = nc.subscribe(prefixedSubject(host.config.nats.subjectPrefix, streamCancelSubject(request.streamId)), {
          max: 1,
          callback: () => {
            cancelled = true;
            subscription.unsubscribe();
            subscriber.complete();
          },
        });
      })
      .catch((err: unknown) => logger.warn(`cannot listen for cancellation of ${def.subject}: ${(err as Error).message}`));
    const keepAlive = setInterval(() => subscriber.next({ k: 1 }), keepAliveMs(def.timeoutMs ?? host.config.nats.requestTimeoutMs));
    const subscription = source.subscribe({
      next: (item) => subscriber.next({ i: item }),
      error: fail,
      complete: () => subscriber.complete(),
    });
    return () => {
      clearInterval(keepAlive);
      cancel?.unsubscribe();
      if (!cancelled) subscription.unsubscribe();
    };
  });
}
