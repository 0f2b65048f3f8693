import type { ModuleName } from '../config/roles.js';

/** A class whose instances class-validator can check (a DTO with decorators). */
export type DtoClass<T = object> = new () => T;

/** One request/reply method of a contract: its NATS subject (below the node's prefix) and payload class. */
export interface ContractMethod {
  /** Subject relative to `nats.subjectPrefix`, e.g. `memory.notes.create`. */
  subject: string;
  /** DTO class of the single payload argument; validated on the serving side. */
  request: DtoClass;
  /** Overrides `nats.requestTimeoutMs` for this method. */
  timeoutMs?: number;
}

/** Methods of a contract interface: each takes one payload object and resolves to plain JSON data. */
export type ContractShape<T> = { [K in keyof T]: (request: never) => Promise<unknown> };

/**
 * A module's contract: the one definition of its methods, subjects and payloads, used by the
 * local implementation, the NATS handlers and the NATS client binding alike.
 */
export interface ModuleContract<T extends ContractShape<T>> {
  /** The module that implements the contract. */
  module: ModuleName;
  /** Nest injection token under which callers receive the bound implementation. */
  token: string;
  methods: { [K in keyof T]: ContractMethod };
}

export function defineContract<T extends ContractShape<T>>(contract: ModuleContract<T>): ModuleContract<T> {
  return contract;
}
