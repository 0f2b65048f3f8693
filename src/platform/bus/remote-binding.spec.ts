import { NEVER, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MEMORY_CONTRACT } from '../../contracts/memory/memory.contract.js';
import { ModuleUnavailableError, NotFoundError } from '../../contracts/errors.js';
import { natsBinding, type RequestClient } from './remote-binding.js';

/** The NATS client is the collaborator replaced here; integration tests use a real NATS server. */
function clientAnswering(answer: () => ReturnType<RequestClient['send']>): RequestClient & { sent: [string, unknown][] } {
  const sent: [string, unknown][] = [];
  return {
    sent,
    send: (pattern, data) => {
      sent.push([pattern, data]);
      return answer();
    },
  } as RequestClient & { sent: [string, unknown][] };
}

describe('natsBinding', () => {
  const id = '5b0e8d4c-2a57-4f4e-9f3e-6a1f1c2d3e4f';

  it('sends each method to its contract subject and returns the reply', async () => {
    const client = clientAnswering(() => of({ id }));
    const memory = natsBinding(MEMORY_CONTRACT, client, 1000);
    await expect(memory.getNote({ id })).resolves.toEqual({ id });
    expect(client.sent).toEqual([['memory.notes.get', { id }]]);
  });

  it('rethrows a remote error as its own class', async () => {
    const memory = natsBinding(
      MEMORY_CONTRACT,
      clientAnswering(() => throwError(() => ({ code: 'not_found', message: `no note with id ${id}` }))),
      1000,
    );
    await expect(memory.getNote({ id })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('gives up after the timeout with ModuleUnavailableError', async () => {
    const memory = natsBinding(MEMORY_CONTRACT, clientAnswering(() => NEVER), 50);
    const err = await memory.getNote({ id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleUnavailableError);
    expect((err as ModuleUnavailableError).message).toMatch(/did not answer within 50 ms/);
    expect((err as ModuleUnavailableError).details).toMatchObject({ module: 'memory', reason: 'timeout' });
  });

  it('reports an unreachable NATS as ModuleUnavailableError', async () => {
    const memory = natsBinding(
      MEMORY_CONTRACT,
      clientAnswering(() => throwError(() => 'Error: Connection lost. Trying to reconnect...')),
      1000,
    );
    const err = await memory.search({ q: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleUnavailableError);
    expect((err as ModuleUnavailableError).details).toMatchObject({ reason: 'nats_unavailable' });
  });
});

describe('natsBinding observation', () => {
  it('reports each call with its subject and outcome', async () => {
    const seen: [string, string][] = [];
    const observe = (subject: string, outcome: string) => void seen.push([subject, outcome]);
    const ok = natsBinding(MEMORY_CONTRACT, { send: () => of({}), emit: () => of() } as RequestClient, 1000, observe);
    await ok.search({ q: 'x' });
    const failing = natsBinding(MEMORY_CONTRACT, { send: () => NEVER, emit: () => of() } as RequestClient, 20, observe);
    await failing.getNote({ id: '5b0e8d4c-2a57-4f4e-9f3e-6a1f1c2d3e4f' }).catch(() => undefined);
    expect(seen).toEqual([
      ['memory.search', 'ok'],
      ['memory.notes.get', 'module_unavailable'],
    ]);
  });
});
