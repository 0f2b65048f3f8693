import type { Observable } from 'rxjs';
import type { ModuleName } from '../config/roles.js';

/** A class whose instances class-validator can check (a DTO with decorators). */
export type DtoClass<T = object> = new () => T;

/** One request/reply method of a contract: its NATS subject (below the node's prefix) and payload class. */
export interface ContractMethod {
  /** Subject relative to `nats.subjectPrefix`, e.g. `memory.notes.create`. */
  subject: string;
  /** DTO class of the single payload argument; validated on the serving side. */
  request: DtoClass;
  /**
   * Overrides `nats.requestTimeoutMs` for this method. For a stream: the longest silence allowed
   * between two items (the serving side sends keep-alives while it waits).
   */
  timeoutMs?: number;
  /** The method returns an Observable of items (a reply stream) instead of one Promise. */
  stream?: boolean;
}

/**
 * Methods of a contract interface: each takes one payload object and resolves to plain JSON data,
 * or (stream methods) returns an Observable of plain JSON items that completes or errors with a TarsError.
 */
export type ContractShape<T> = { [K in keyof T]: (request: never) => Promise<unknown> | Observable<unknown> };

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
