import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule } from '../../src/config/config.module.js';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../src/contracts/memory/memory.contract.js';
import { ModuleUnavailableError, NotFoundError, ValidationFailedError } from '../../src/contracts/errors.js';
import { startNode, type RunningNode } from '../../src/main.js';
import { MemoryModule } from '../../src/modules/memory/memory.module.js';
import { natsConnectionOptions } from '../../src/platform/bus/nats-options.js';
import { PrefixedNatsClient } from '../../src/platform/bus/prefixed-nats.client.js';
import { natsBinding } from '../../src/platform/bus/remote-binding.js';
import { DatabaseModule } from '../../src/platform/database/database.module.js';
import { testConfig, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { NATS_URL } from '../support/services.js';

/** A word that appears in no other note, so that searches see only this test's notes. */
const uniqueWord = () => `zorblax${randomBytes(3).toString('hex').replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)])}`;

/** The same specification, run against each binding of the memory contract. */
function memoryContractSpec(binding: () => MemoryContract): void {
  it('stores a note and returns it with an ISO creation date and normalised tags', async () => {
    const id = randomUUID();
    const note = await binding().createNote({ id, title: '  Boiler  ', text: 'Serviced in March.', tags: ['House', 'house', 'boiler'] });
    expect(note).toEqual({ id, title: 'Boiler', text: 'Serviced in March.', tags: ['house', 'boiler'], createdAt: expect.any(String) });
    expect(new Date(note.createdAt).toISOString()).toBe(note.createdAt);
    expect(await binding().getNote({ id })).toEqual(note);
  });

  it('is idempotent: storing the same id twice keeps the first note', async () => {
    const id = randomUUID();
    const first = await binding().createNote({ id, title: 'first', text: 'one' });
    const again = await binding().createNote({ id, title: 'second', text: 'two' });
    expect(again).toEqual(first);
  });

  it('throws NotFoundError for an unknown id', async () => {
    const err = await binding().getNote({ id: randomUUID() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toMatch(/^no note with id /);
  });

  it('throws ValidationFailedError listing the fields of a bad payload', async () => {
    const err = await binding()
      .createNote({ id: 'not-a-uuid', title: '', text: 'x', tags: ['two words'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationFailedError);
    const fields = (err as ValidationFailedError).details?.fields as string[];
    expect(fields).toEqual(
      expect.arrayContaining([expect.stringMatching(/^id must be a UUID/), 'title must not be empty', expect.stringMatching(/tag/)]),
    );
  });

  it('finds notes by words of the title, tags or text, best match first, with a marked snippet', async () => {
    const word = uniqueWord();
    const inText = await binding().createNote({
      id: randomUUID(),
      title: 'Garden',
      text: `Long notes about the garden. The ${word} plant needs water every week in summer.`,
    });
    const inTitle = await binding().createNote({ id: randomUUID(), title: `${word} care`, text: `How to care for the ${word}.` });
    await binding().createNote({ id: randomUUID(), title: 'Unrelated', text: 'Nothing to see here.' });

    const result = await binding().search({ q: word, layers: ['notes'] });
    expect(result.query).toBe(word);
    expect(result.hits.map((h) => h.source.noteId)).toEqual([inTitle.id, inText.id]);
    expect(result.hits[0].score).toBeGreaterThan(result.hits[1].score);
    expect(result.hits[0].textRank).toBeGreaterThan(result.hits[1].textRank!);
    expect(result.hits[1].snippet).toContain(`**${word}**`);
  });

  it('understands web-search syntax and stems words', async () => {
    const word = uniqueWord();
    const watering = await binding().createNote({ id: randomUUID(), title: 'Watering', text: `The ${word} was watered daily.` });
    await binding().createNote({ id: randomUUID(), title: 'Other', text: `The ${word} was repotted.` });
    const hits = (await binding().search({ q: `${word} waters -repotted`, layers: ['notes'] })).hits;
    expect(hits.map((h) => h.source.noteId)).toEqual([watering.id]);
  });

  it('respects k and returns nothing, not an error, when nothing matches', async () => {
    const word = uniqueWord();
    for (let i = 0; i < 3; i++) await binding().createNote({ id: randomUUID(), title: `${word} ${i}`, text: 'x' });
    expect((await binding().search({ q: word, k: 2, layers: ['notes'] })).hits).toHaveLength(2);
    expect((await binding().search({ q: uniqueWord(), layers: ['notes'] })).hits).toEqual([]);
  });
}

let database: TestDatabase;
let config: TarsConfigValues;

beforeAll(async () => {
  database = await createTestDatabase('contract');
  config = testConfig({ DATABASE_URL: database.url, NATS_URL, TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(), TARS_ROLES: 'memory' });
});
afterAll(async () => {
  await database?.drop();
});

describe('memory contract, local binding', () => {
  let close: () => Promise<void>;
  let memory: MemoryContract;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), MemoryModule.register({ serveOverNats: false })],
    }).compile();
    const app = await moduleRef.init();
    memory = app.get(MEMORY_CONTRACT.token);
    close = () => app.close();
  });
  afterAll(() => close?.());

  memoryContractSpec(() => memory);
});

describe('memory contract, NATS binding (real NATS server, memory module in a serving node)', () => {
  let server: RunningNode;
  let client: PrefixedNatsClient;
  let memory: MemoryContract;
  beforeAll(async () => {
    server = await startNode(config);
    client = new PrefixedNatsClient(natsConnectionOptions(config, 'test-client'), config.nats.subjectPrefix);
    await client.connect();
    memory = natsBinding(MEMORY_CONTRACT, client, 5000);
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  memoryContractSpec(() => memory);

  describe('failures of the transport', () => {
    let raw: NatsConnection;
    beforeAll(async () => {
      raw = await connect({ servers: NATS_URL });
    });
    afterAll(() => raw?.close());

    it('fails fast with ModuleUnavailableError when no node serves the module', async () => {
      const orphan = new PrefixedNatsClient(natsConnectionOptions(config, 'orphan'), uniqueSubjectPrefix());
      try {
        const started = Date.now();
        const err = await natsBinding(MEMORY_CONTRACT, orphan, 5000).getNote({ id: randomUUID() }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ModuleUnavailableError);
        expect((err as ModuleUnavailableError).details).toMatchObject({ module: 'memory', reason: 'no_responders' });
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await orphan.close();
      }
    });

    it('gives up after the timeout when the serving node does not answer', async () => {
      const prefix = uniqueSubjectPrefix();
      const silent = raw.subscribe(`${prefix}.memory.notes.get`); // subscribed, never replies
      const mute = new PrefixedNatsClient(natsConnectionOptions(config, 'mute'), prefix);
      try {
        const started = Date.now();
        const err = await natsBinding(MEMORY_CONTRACT, mute, 300).getNote({ id: randomUUID() }).catch((e: unknown) => e);
        const elapsed = Date.now() - started;
        expect(err).toBeInstanceOf(ModuleUnavailableError);
        expect((err as ModuleUnavailableError).details).toMatchObject({ reason: 'timeout', timeoutMs: 300 });
        expect(elapsed).toBeGreaterThanOrEqual(290);
        expect(silent.getReceived()).toBe(1);
      } finally {
        silent.unsubscribe();
        await mute.close();
      }
    });

    it('keeps prefixes apart: a call under another prefix never reaches this node', async () => {
      const other = new PrefixedNatsClient(natsConnectionOptions(config, 'other'), uniqueSubjectPrefix());
      try {
        const note = await memory.createNote({ id: randomUUID(), title: 't', text: 'x' });
        const err = await natsBinding(MEMORY_CONTRACT, other, 2000).getNote({ id: note.id }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ModuleUnavailableError);
      } finally {
        await other.close();
      }
    });
  });
});
