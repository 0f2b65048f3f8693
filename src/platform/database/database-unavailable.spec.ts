import { RpcException } from '@nestjs/microservices';
import { firstValueFrom, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, fromWireError, NotFoundError, toWireError } from '../../contracts/errors.js';
import { ErrorResponseFilter, toErrorResponse } from '../http/error-response.filter.js';
import { databaseUnavailable } from './database-unavailable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('databaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a connection cut under a query (TypeORM wraps it)', Object.assign(new Error('Query failed'), { driverError: new Error('Connection terminated unexpectedly') })],
    ['the pool waiting too long for a connection', new Error('timeout exceeded when trying to connect')],
    ['a SQLSTATE connection exception', withCode('connection failure', '08006')],
    ['PostgreSQL shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['every address refused (AggregateError)', Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]), { message: '' })],
  ])('types %s as DatabaseUnavailableError', (_label, err) => {
    const typed = databaseUnavailable(err);
    expect(typed).toBeInstanceOf(DatabaseUnavailableError);
    expect(typed!.message).toMatch(/^the database cannot be reached \(.+\); try again once it is back$/);
  });

  it.each([
    ['a constraint violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a typed error', new NotFoundError('no note with id x')],
    ['something that is not an error', 'ECONNREFUSED'],
    ['a typed error in its wire form, on its way over NATS', new RpcException({ code: 'database_unavailable', message: 'the database cannot be reached (Connection terminated unexpectedly)' })],
  ])('leaves %s alone', (_label, err) => {
    expect(databaseUnavailable(err)).toBeUndefined();
  });

  it('is answered 503 database_unavailable over HTTP and crosses NATS as itself', () => {
    const err = withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    expect(toErrorResponse(err)).toMatchObject({ statusCode: 503, error: 'Service Unavailable', code: 'database_unavailable' });
    const rebuilt = fromWireError(JSON.parse(JSON.stringify(toWireError(databaseUnavailable(err)))));
    expect(rebuilt).toBeInstanceOf(DatabaseUnavailableError);
    expect(toErrorResponse(rebuilt).statusCode).toBe(503);
  });

  it('is sent over NATS once typed, and a typed error in wire form is passed on as it is', async () => {
    const filter = new ErrorResponseFilter();
    const rpc = { getType: () => 'rpc' } as never;
    const sent = (err: unknown) => firstValueFrom(filter.catch(err, rpc) as Observable<never>).catch((e: unknown) => e);
    expect(await sent(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toMatchObject({
      code: 'database_unavailable',
      message: 'the database cannot be reached (connect ECONNREFUSED 127.0.0.1:5432); try again once it is back',
    });
    const wire = { code: 'database_unavailable', message: 'the database cannot be reached (Connection terminated unexpectedly); try again once it is back' };
    expect(await sent(new RpcException(wire))).toEqual(wire);
  });
});
