import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { NoteEntity } from '../../src/modules/memory/notes/note.entity.js';
import { NotesService } from '../../src/modules/memory/notes/notes.service.js';
import { FullTextSearch } from '../../src/modules/memory/search/full-text.search.js';
import { ApiKeyEntity } from '../../src/platform/auth/api-key.entity.js';
import { openDatabase, type OpenDatabase, pgliteLockFile } from '../../src/platform/database/database.js';
import { MIGRATIONS } from '../../src/platform/database/migrations/index.js';
import { DatabaseInUseError } from '../../src/platform/database/pglite-lock.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const ENTITIES = [NoteEntity, ApiKeyEntity];

async function appliedMigrations(db: OpenDatabase): Promise<string[]> {
  const rows: { name: string }[] = await db.dataSource.query('SELECT name FROM migrations ORDER BY id');
  return rows.map((r) => r.name);
}

/** The same expectations for PostgreSQL and for the embedded PGlite. */
function storageSpec(open: () => Promise<OpenDatabase>): void {
  it('applies every migration once and records it', async () => {
    const db = await open();
    try {
      expect(await appliedMigrations(db)).toEqual(MIGRATIONS.map((m) => m.name));
      const tables: { table_name: string }[] = await db.dataSource.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['api_keys', 'migrations', 'notes']));
    } finally {
      await db.close();
    }
  });

  it('keeps data across reopening and applies nothing twice', async () => {
    const id = randomUUID();
    const first = await open();
    try {
      await new NotesService(first.dataSource.getRepository(NoteEntity)).createNote({ id, title: 'kept', text: 'persistent words' });
    } finally {
      await first.close();
    }
    const second = await open();
    try {
      expect(await appliedMigrations(second)).toHaveLength(MIGRATIONS.length);
      const notes = new NotesService(second.dataSource.getRepository(NoteEntity));
      expect((await notes.getNote({ id })).title).toBe('kept');
      // Full-text search works on both engines (the generated tsvector column and its index).
      const hits = await new FullTextSearch(second.dataSource).search('notes', 'persistent', 10);
      expect(hits.map((h) => h.source.noteId)).toContain(id);
    } finally {
      await second.close();
    }
  });
}

describe('storage on a PostgreSQL server (DATABASE_URL)', () => {
  let database: TestDatabase;
  let config: TarsConfigValues;
  beforeAll(async () => {
    database = await createTestDatabase('storage');
    config = testConfig({ DATABASE_URL: database.url });
  });
  afterAll(() => database?.drop());

  storageSpec(() => openDatabase(config, ENTITIES));

  it('lets several nodes start at once: migrations are serialised, none fails', async () => {
    const fresh = await createTestDatabase('race');
    try {
      const raceConfig = testConfig({ DATABASE_URL: fresh.url });
      const opened = await Promise.all([1, 2, 3].map(() => openDatabase(raceConfig, ENTITIES)));
      expect(await appliedMigrations(opened[0])).toEqual(MIGRATIONS.map((m) => m.name));
      await Promise.all(opened.map((db) => db.close()));
    } finally {
      await fresh.drop();
    }
  });
});

describe('storage on the embedded PostgreSQL (PGlite, no DATABASE_URL)', () => {
  const config = testConfig();

  it('is the default when no database URL is set', () => {
    expect(config.database.url).toBe('');
  });

  storageSpec(() => openDatabase(config, ENTITIES));

  it('belongs to one process: a second open is refused while the first is open, allowed after', async () => {
    const first = await openDatabase(config, ENTITIES);
    try {
      const err = await openDatabase(config, ENTITIES).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseInUseError);
      expect((err as Error).message).toMatch(new RegExp(`in use by process ${process.pid}`));
    } finally {
      await first.close();
    }
    const again = await openDatabase(config, ENTITIES);
    await again.close();
  });
});

describe('the embedded database lock', () => {
  it('takes over a lock file left by a process that no longer runs', async () => {
    const config = testConfig();
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(pgliteLockFile(config), '999999999'); // no such process
    const db = await openDatabase(config, ENTITIES);
    await db.close();
  });
});
