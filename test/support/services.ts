import { connect as connectNats } from '@nats-io/transport-node';
import pg from 'pg';

/** The machine's own services (see ../shared/notes/environment.md); tests never signal them. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export async function postgresAnswers(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function natsAnswers(): Promise<string | undefined> {
  try {
    const nc = await connectNats({ servers: NATS_URL, timeout: 3000 });
    await nc.flush();
    await nc.close();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
