import { Controller, Inject, Logger, type Provider, type Type } from '@nestjs/common';
import { MessagePattern, RpcException } from '@nestjs/microservices';
import type { ContractShape, ModuleContract } from '../../contracts/contract.js';
import { TarsError, toWireError } from '../../contracts/errors.js';
import { validatePayload } from './validate-payload.js';

type AnyContract = ModuleContract<ContractShape<unknown> & Record<string, (request: never) => Promise<unknown>>>;
type Implementation = Record<string, (payload: unknown) => Promise<unknown>>;

/** Token of a module's own implementation (what the NATS handlers call); callers use `contract.token`. */
export function implementationToken(contract: { token: string }): string {
  return `${contract.token}#implementation`;
}

/** Calls an implementation after the same payload validation the NATS handlers apply. */
function validatingBinding(contract: AnyContract, impl: Implementation): Implementation {
  const binding: Implementation = {};
  for (const [method, def] of Object.entries(contract.methods)) {
    binding[method] = async (payload) => impl[method](validatePayload(def.request, payload));
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
    constructor(@Inject(implementationToken(contract)) readonly impl: Implementation) {}
  }

  for (const [method, def] of Object.entries(contract.methods as AnyContract['methods'])) {
    const handler = async function (this: ContractHandlers, payload: unknown): Promise<unknown> {
      try {
        return await this.impl[method](validatePayload(def.request, payload));
      } catch (err) {
        if (!(err instanceof TarsError)) logger.error(`${def.subject} failed: ${(err as Error)?.stack ?? String(err)}`);
        throw new RpcException(toWireError(err));
      }
    };
    Object.defineProperty(ContractHandlers.prototype, method, { value: handler, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(ContractHandlers.prototype, method)!;
    MessagePattern(def.subject)(ContractHandlers.prototype, method, descriptor);
  }
  Object.defineProperty(ContractHandlers, 'name', { value: `${contract.module}ContractHandlers` });
  return ContractHandlers;
}
