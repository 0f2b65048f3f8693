import { describe, expect, it } from 'vitest';
import {
  fromWireError,
  ModuleUnavailableError,
  NotFoundError,
  RemoteError,
  TarsError,
  toWireError,
  ValidationFailedError,
} from './errors.js';

describe('errors across the wire', () => {
  it.each([
    new NotFoundError('no note with id x', { id: 'x' }),
    new ValidationFailedError('title must be a string', { fields: ['title must be a string'] }),
    new ModuleUnavailableError('down', { module: 'memory' }),
  ])('rebuilds %s as the same class with the same message and details', (original) => {
    const wire = JSON.parse(JSON.stringify(toWireError(original)));
    const rebuilt = fromWireError(wire);
    expect(rebuilt).toBeInstanceOf(original.constructor);
    expect(rebuilt).toBeInstanceOf(TarsError);
    expect(rebuilt.message).toBe(original.message);
    expect(rebuilt.details).toEqual(original.details);
    expect(rebuilt.code).toBe(original.code);
  });

  it('does not leak the internals of an unexpected error', () => {
    const wire = toWireError(new Error('password=hunter2 at db.ts:12'));
    expect(wire).toEqual({ code: 'internal', message: 'internal error in the remote module' });
  });

  it('keeps an error of an unknown type as a RemoteError with its code', () => {
    const rebuilt = fromWireError({ code: 'quota_exceeded', message: 'weekly limit reached' });
    expect(rebuilt).toBeInstanceOf(RemoteError);
    expect(rebuilt.message).toBe('weekly limit reached');
    expect(rebuilt.details).toEqual({ remoteCode: 'quota_exceeded' });
  });
});
