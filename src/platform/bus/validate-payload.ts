import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { DtoClass } from '../../contracts/contract.js';
import { ValidationFailedError } from '../../contracts/errors.js';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => message.replace(error.property, path));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** Turns class-validator errors into the list of messages an API caller sees ("title must be a string"). */
export function describeValidationErrors(errors: ValidationError[]): string[] {
  return flatten(errors);
}

/**
 * Checks a contract payload against its DTO class and returns the typed instance. Both bindings
 * of a contract call this, so a bad payload fails the same way locally and across NATS.
 */
export function validatePayload<T extends object>(cls: DtoClass<T>, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ValidationFailedError('the payload must be an object', { fields: [] });
  }
  const instance = plainToInstance(cls, payload);
  // forbidUnknownValues off: a payload class without fields (e.g. a status query) has no metadata, and any field it gets is still refused.
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false, stopAtFirstError: true });
  if (errors.length > 0) {
    const fields = describeValidationErrors(errors);
    throw new ValidationFailedError(fields.join('; '), { fields });
  }
  return instance;
}
