import { RpcException } from '@nestjs/microservices';
import { DatabaseUnavailableError, TarsError } from '../../contracts/errors.js';

/** Socket errors, and PostgreSQL's own codes for "not now": admin shutdown, crash shutdown, starting up, too many connections. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** What node-postgres and its pool say when a connection is lost or cannot be made (these errors carry no code). */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Connection ended unexpectedly/i;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error and what it wraps: TypeORM's `driverError`, `cause`, and the attempts of an AggregateError. */
function* chain(err: unknown, depth = 0): Generator<ErrorLike> {
  if (depth > 4 || typeof err !== 'object' || err === null) return;
  const e = err as ErrorLike;
  yield e;
  yield* chain(e.driverError, depth + 1);
  yield* chain(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
}

function isConnectionFailure(e: ErrorLike): boolean {
  const code = typeof e.code === 'string' ? e.code : '';
  // SQLSTATE class 08: connection exceptions.
  if (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  return typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message);
}

/**
 * The typed form of a failure to reach PostgreSQL (refused, cut, timed out, shutting down), so that
 * it is answered `503 database_unavailable` over HTTP and crosses NATS as itself; undefined for any
 * other error (a typed error, a constraint violation, a bug).
 */
export function databaseUnavailable(err: unknown): DatabaseUnavailableError | undefined {
  // Typed already, or on its way over NATS in its wire form: never wrapped twice.
  if (err instanceof TarsError || err instanceof RpcException) return undefined;
  for (const e of chain(err)) {
    if (!isConnectionFailure(e)) continue;
    const detail = typeof e.message === 'string' && e.message !== '' ? e.message : String(e.code);
    return new DatabaseUnavailableError(`the database cannot be reached (${detail}); try again once it is back`);
  }
  return undefined;
}

/** The error itself, or its typed form when it is a database connection failure. */
export function typedFailure(err: unknown): unknown {
  return databaseUnavailable(err) ?? err;
}
