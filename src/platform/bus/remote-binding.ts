import { firstValueFrom, type Observable, timeout, TimeoutError } from 'rxjs';
import type { ContractShape, ModuleContract } from '../../contracts/contract.js';
import { fromWireError, isWireError, ModuleUnavailableError, TarsError } from '../../contracts/errors.js';

/** The part of Nest's ClientProxy the binding uses. */
export interface RequestClient {
  send<T = unknown>(pattern: string, data: unknown): Observable<T>;
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
  const binding: Record<string, (payload: unknown) => Promise<unknown>> = {};
  for (const [method, def] of Object.entries(contract.methods) as [string, ModuleContract<T>['methods'][keyof T]][]) {
    const limit = def.timeoutMs ?? defaultTimeoutMs;
    binding[method] = async (payload) => {
      const started = performance.now();
      try {
        const reply = await firstValueFrom(client.send(def.subject, payload ?? {}).pipe(timeout(limit)));
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
