import { randomUUID } from 'node:crypto';
import { firstValueFrom, Observable, timeout, TimeoutError } from 'rxjs';
import type { ContractMethod, ContractShape, ModuleContract } from '../../contracts/contract.js';
import { fromWireError, isWireError, ModuleUnavailableError, TarsError } from '../../contracts/errors.js';
import { type StreamFrame, type StreamRequest, streamCancelSubject } from './stream-frames.js';
import { withRequestIdHeader } from './request-id-header.js';

/** The part of Nest's ClientProxy the binding uses. */
export interface RequestClient {
  send<T = unknown>(pattern: string, data: unknown): Observable<T>;
  emit<T = unknown>(pattern: string, data: unknown): Observable<T>;
}

/**
 * The NATS binding of a contract: an object with the contract's methods that sends each call to
 * whichever node serves the module, waits at most the method's timeout, and rethrows remote
 * failures as the same TarsError classes the local implementation throws.
 */
/** Called after every remote call with its subject, outcome (`ok` or an error code) and duration. */
export type CallObserver = (subject: string, outcome: string, seconds: number) => void;

export function natsBinding<T extends ContractShape<T>>(
  contract: ModuleContract<T>,
  client: RequestClient,
  defaultTimeoutMs: number,
  observe: CallObserver = () => undefined,
): T {
  const binding: Record<string, (payload: unknown) => Promise<unknown> | Observable<unknown>> = {};
  for (const [method, def] of Object.entries(contract.methods) as [string, ContractMethod][]) {
    const limit = def.timeoutMs ?? defaultTimeoutMs;
    if (def.stream) {
      binding[method] = (payload) => remoteStream(client, contract.module, def.subject, limit, payload, observe);
      continue;
    }
    binding[method] = async (payload) => {
      const started = performance.now();
      try {
        const reply = await firstValueFrom(client.send(def.subject, withRequestIdHeader(payload ?? {})).pipe(timeout(limit)));
        observe(def.subject, 'ok', (performance.now() - started) / 1000);
        return reply;
      } catch (err) {
        const failure = remoteFailure(err, contract.module, def.subject, limit);
        observe(def.subject, failure.code, (performance.now() - started) / 1000);
        throw failure;
      }
    };
  }
  return binding as unknown as T;
}

/**
 * A stream call: frames arrive as Nest reply-stream items; keep-alives are dropped, an error frame
 * becomes the same TarsError, silence longer than `limitMs` fails with ModuleUnavailableError, and
 * unsubscribing early publishes a cancel so that the serving node stops its work.
 */
function remoteStream(
  client: RequestClient,
  module: string,
  subject: string,
  limitMs: number,
  payload: unknown,
  observe: CallObserver,
): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const started = performance.now();
    const request: StreamRequest = { streamId: randomUUID(), payload: payload ?? {} };
    let ended = false;
    const end = (outcome: string) => {
      ended = true;
      observe(subject, outcome, (performance.now() - started) / 1000);
    };
    const subscription = client
      .send<StreamFrame>(subject, withRequestIdHeader(request))
      .pipe(timeout({ each: limitMs }))
      .subscribe({
        next: (frame) => {
          if ('i' in frame) subscriber.next(frame.i);
          else if ('e' in frame) {
            const failure = fromWireError(frame.e);
            end(failure.code);
            subscriber.error(failure);
          }
        },
        error: (err: unknown) => {
          const failure = remoteFailure(err, module, subject, limitMs);
          end(failure.code);
          subscriber.error(failure);
        },
        complete: () => {
          if (ended) return;
          end('ok');
          subscriber.complete();
        },
      });
    return () => {
      subscription.unsubscribe();
      if (ended) return;
      end('cancelled');
      client.emit(streamCancelSubject(request.streamId), {}).subscribe({ error: () => undefined });
    };
  });
}

function remoteFailure(err: unknown, module: string, subject: string, limitMs: number): TarsError {
  if (isWireError(err)) return fromWireError(err);
  if (err instanceof TimeoutError) {
    return new ModuleUnavailableError(
      `the ${module} module did not answer within ${limitMs} ms; the outcome of this call is unknown`,
      { module, subject, reason: 'timeout', timeoutMs: limitMs },
    );
  }
  // Nest's EmptyResponseException (not exported): NATS reported that no subscriber exists for the subject.
  if ((err as Error)?.constructor?.name === 'EmptyResponseException') {
    return new ModuleUnavailableError(`no node serving the ${module} module is running`, {
      module,
      subject,
      reason: 'no_responders',
    });
  }
  // The client rejects with a string or an Error while NATS itself is unreachable.
  const text = err instanceof Error ? err.message : String(err);
  return new ModuleUnavailableError(`the ${module} module cannot be reached: NATS is unavailable (${text})`, {
    module,
    subject,
    reason: 'nats_unavailable',
  });
}
