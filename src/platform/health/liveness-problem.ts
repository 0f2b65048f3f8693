import type { INestApplicationContext } from '@nestjs/common';
import { DatabaseHealth } from './database.health.js';
import { NatsHealth } from './nats.health.js';

type CheckResult = Record<string, { status: string; message?: unknown }>;

function problemOf(result: CheckResult, name: string): string | undefined {
  const check = result[name];
  return check?.status === 'up' ? undefined : `${name}: ${String(check?.message ?? 'down')}`;
}

/**
 * What keeps this node from doing its job, for the systemd watchdog: the database or (when
 * configured) NATS not answering. Undefined when healthy. (A stuck event loop needs no check: the
 * watchdog timer itself does not fire then.) The LLM is left out: without it the node still answers
 * from memory, and restarting would not bring it back.
 */
export async function livenessProblem(app: INestApplicationContext): Promise<string | undefined> {
  const database = app.get(DatabaseHealth, { strict: false });
  const problem = problemOf((await database.check()) as CheckResult, 'database');
  if (problem) return problem;
  const nats = app.get(NatsHealth, { strict: false });
  return nats.configured ? problemOf((await nats.check()) as CheckResult, 'nats') : undefined;
}
