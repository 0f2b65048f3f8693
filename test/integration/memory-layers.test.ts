import { randomBytes, randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule } from '../../src/config/config.module.js';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { NotFoundError } from '../../src/contracts/errors.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../src/contracts/memory/memory.contract.js';
import { decodeVector, encodeVector } from '../../src/contracts/memory/semantic.dto.js';
import { MemoryModule } from '../../src/modules/memory/memory.module.js';
import { ConversationsService } from '../../src/modules/memory/conversations/conversations.service.js';
import { DatabaseModule } from '../../src/platform/database/database.module.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/** Letters only, so that PostgreSQL's English parser keeps it as one word. */
const uniqueWord = () => `qx${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
const unit = (values: number[]) => {
  const v = Float32Array.from(values);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

let database: TestDatabase;
let config: TarsConfigValues;
let memory: MemoryContract;
let conversations: ConversationsService;
let close: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase('layers');
  config = testConfig({ DATABASE_URL: database.url, TARS_MEMORY_ACTIVE_CONVERSATIONS: '2', TARS_MEMORY_RECENT_TURNS: '3' });
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), MemoryModule.register({ serveOverNats: false })],
  }).compile();
  const app = await moduleRef.init();
  memory = app.get(MEMORY_CONTRACT.token);
  conversations = app.get(ConversationsService);
  close = () => app.close();
});
afterAll(async () => {
  await close?.();
  await database?.drop();
});

describe('layer 1: conversations', () => {
  it('creates a conversation on its first turn, titled by the first question, and keeps every turn', async () => {
    const id = randomUUID();
    await memory.appendTurn({ conversationId: id, role: 'user', content: 'How do I bleed the radiators?' });
    await memory.appendTurn({ conversationId: id, role: 'assistant', content: 'Turn the valve a quarter turn.' });
    const conversation = await memory.getConversation({ id });
    expect(conversation).toMatchObject({ id, title: 'How do I bleed the radiators?', turnCount: 2 });
    expect(conversation.turns.map((t) => t.role)).toEqual(['user', 'assistant']);
  });

  it('returns the most recent turns, oldest first, and more from PostgreSQL on request', async () => {
    const id = randomUUID();
    for (let i = 1; i <= 5; i++) await memory.appendTurn({ conversationId: id, role: 'user', content: `question ${i}` });
    expect((await memory.getConversation({ id })).turns.map((t) => t.content)).toEqual(['question 3', 'question 4', 'question 5']);
    expect((await memory.getConversation({ id, turns: 10 })).turns).toHaveLength(5);
  });

  it('keeps only the configured number of active conversations in RAM, all of them in PostgreSQL', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await memory.appendTurn({ conversationId: id, role: 'user', content: `hello ${id}` });
    expect(conversations.hotConversationIds()).toEqual(ids.slice(1));
    expect((await memory.getConversation({ id: ids[0] })).turns[0].content).toBe(`hello ${ids[0]}`);
  });

  it('lists conversations, most recently active first', async () => {
    const older = randomUUID();
    const newer = randomUUID();
    await memory.appendTurn({ conversationId: older, role: 'user', content: 'older' });
    await memory.appendTurn({ conversationId: newer, role: 'user', content: 'newer' });
    const list = await memory.listConversations({ limit: 2 });
    expect(list.conversations.map((c) => c.id)).toEqual([newer, older]);
    expect(list.total).toBeGreaterThanOrEqual(2);
  });

  it('throws NotFoundError for an unknown conversation', async () => {
    await expect(memory.getConversation({ id: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('layer 2: projects', () => {
  it('stores a project with normalised tags and keywords and finds it by tag', async () => {
    const tag = uniqueWord();
    const project = await memory.createProject({
      id: randomUUID(),
      name: 'Kitchen renovation',
      summary: 'New worktops and a tiled splashback.',
      tags: [tag.toUpperCase(), tag],
      keywords: ['Worktop'],
    });
    expect(project).toMatchObject({ name: 'Kitchen renovation', tags: [tag], keywords: ['worktop'], endedAt: null });
    expect(await memory.getProject({ id: project.id })).toEqual(project);
    expect((await memory.listProjects({ tag })).projects.map((p) => p.id)).toEqual([project.id]);
  });
});

describe('layer 3: semantic items and vectors', () => {
  const documentId = randomUUID();
  const chunk = (index: number, text: string, vector: Float32Array) => ({
    index,
    text,
    start: index * 100,
    end: index * 100 + text.length,
    pageStart: 1,
    pageEnd: 1,
    vector: encodeVector(vector),
  });

  it('stores chunks with vectors once, however often the same chunks are stored', async () => {
    const chunks = [chunk(0, 'first chunk', unit([1, 0, 0, 0])), chunk(1, 'second chunk', unit([0, 1, 0, 0]))];
    const first = await memory.storeChunks({ documentId, title: 'doc', model: 'test-model', dimensions: 4, chunks });
    const again = await memory.storeChunks({ documentId, title: 'doc', model: 'test-model', dimensions: 4, chunks });
    expect(again.itemIds).toEqual(first.itemIds);
    const scan = await memory.scanVectors({ model: 'test-model', afterSequence: 0, limit: 100 });
    expect(scan.vectors.filter((v) => first.itemIds.includes(v.itemId))).toHaveLength(2);
    expect(Array.from(decodeVector(scan.vectors.find((v) => v.itemId === first.itemIds[1])!.vector!))).toEqual(
      Array.from(unit([0, 1, 0, 0])),
    );
  });

  it('refuses a vector of the wrong size', async () => {
    await expect(
      memory.storeChunks({ documentId: randomUUID(), title: 't', model: 'test-model', dimensions: 8, chunks: [chunk(0, 'x', unit([1, 0, 0, 0]))] }),
    ).rejects.toThrow(/does not have 8 dimensions/);
  });

  it('reports deletions to the indexes as tombstones with new sequence numbers', async () => {
    const before = await memory.scanVectors({ model: 'test-model', afterSequence: 0, limit: 100 });
    const { deletedItems } = await memory.deleteDocumentItems({ documentId });
    expect(deletedItems).toBe(2);
    const after = await memory.scanVectors({ model: 'test-model', afterSequence: before.latestSequence, limit: 100 });
    expect(after.vectors).toHaveLength(2);
    expect(after.vectors.every((v) => v.deleted && v.vector === null)).toBe(true);
    expect(after.latestSequence).toBeGreaterThan(before.latestSequence);
  });
});

describe('hybrid search', () => {
  it('finds words in every layer, with its layer, source, score and a marked snippet', async () => {
    const word = uniqueWord();
    const note = await memory.createNote({ id: randomUUID(), title: `Note ${word}`, text: `A note about ${word}.` });
    const project = await memory.createProject({ id: randomUUID(), name: `Project ${word}`, summary: `All about ${word}.` });
    const conversationId = randomUUID();
    await memory.appendTurn({ conversationId, role: 'user', content: `Tell me about ${word}` });
    const documentId = randomUUID();
    const { itemIds } = await memory.storeChunks({
      documentId,
      title: 'manual.pdf',
      model: 'm',
      dimensions: 4,
      chunks: [{ index: 3, text: `Page text mentioning ${word} here.`, start: 120, end: 150, pageStart: 2, pageEnd: 2, vector: encodeVector(unit([1, 1, 0, 0])) }],
    });

    const result = await memory.search({ q: word, k: 10 });
    expect(result.hits.map((h) => h.layer).sort()).toEqual(['conversations', 'notes', 'projects', 'semantic']);
    const chunkHit = result.hits.find((h) => h.layer === 'semantic')!;
    expect(chunkHit).toMatchObject({
      kind: 'chunk',
      title: 'manual.pdf',
      source: { documentId, documentTitle: 'manual.pdf', chunkIndex: 3, charStart: 120, charEnd: 150, pageStart: 2, pageEnd: 2, itemId: itemIds[0] },
    });
    expect(chunkHit.snippet).toContain(`**${word}**`);
    expect(chunkHit.score).toBeGreaterThan(0);
    expect(result.hits.find((h) => h.layer === 'notes')!.source).toEqual({ noteId: note.id });
    expect(result.hits.find((h) => h.layer === 'projects')!.source).toEqual({ projectId: project.id });
    expect(result.hits.find((h) => h.layer === 'conversations')!.source).toMatchObject({ conversationId });
  });

  it('searches only the layers asked for', async () => {
    const word = uniqueWord();
    await memory.createNote({ id: randomUUID(), title: word, text: 'x' });
    await memory.createProject({ id: randomUUID(), name: word });
    const result = await memory.search({ q: word, layers: ['projects'] });
    expect(result.layers).toEqual(['projects']);
    expect(result.hits.map((h) => h.layer)).toEqual(['projects']);
  });

  it('says when nothing matches, and when vector search is not available', async () => {
    const result = await memory.search({ q: uniqueWord() });
    expect(result.hits).toEqual([]);
    expect(result.notices).toEqual(
      expect.arrayContaining([expect.stringMatching(/^nothing in memory/), expect.stringMatching(/^vector search unavailable/)]),
    );
    expect(result.vectorModel).toBeNull();
  });
});
