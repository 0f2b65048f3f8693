import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_CONTRACT, type InferenceContract } from '../../src/contracts/inference/inference.contract.js';
import type { TurnRole } from '../../src/contracts/memory/conversation.dto.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../src/contracts/memory/memory.contract.js';
import type { JobRunDto } from '../../src/contracts/monitoring/job.dto.js';
import { MONITORING_CONTRACT, type MonitoringContract } from '../../src/contracts/monitoring/monitoring.contract.js';
import { startNode, type RunningNode } from '../../src/main.js';
import { CHAT_MODEL, chatTestConfig } from '../support/chat-config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { eventually, runToEnd } from '../support/jobs.js';
import { OllamaSimulator, type SimulatorRequest } from '../support/ollama-simulator.mjs';

/**
 * The nightly synthesis on a whole node (real PostgreSQL, the Ollama simulator as LLM, the hashing
 * embedder): idle conversations are summarised into layer 2, embedded into layer 3 where search
 * finds them, old covered turns are compacted, a re-run does nothing new; without an LLM the
 * summaries are extractive.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows and summaries are inspected field by field
type Json = any;

/** A made-up word (letters only) that no other conversation holds. */
const uniqueWord = () => `qw${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;

let database: TestDatabase;
let sql: pg.Client;
let sim: OllamaSimulator;
let simRunning = true;
let node: RunningNode;
let memory: MemoryContract;
let monitoring: MonitoringContract;

const summaryRequests = () =>
  sim.received.filter((r) => r.path === '/api/chat' && JSON.stringify(r.body).includes('for the owner\'s long-term'));
const promptOf = (request: SimulatorRequest) => (request.body as { messages: { content: string }[] }).messages.at(-1)!.content;

/** The LLM's summary: it names the made-up word of the conversation, so that search can find the summary by it. */
function scriptedSummary(request: SimulatorRequest): string | undefined {
  const prompt = promptOf(request);
  const conversation = prompt.slice(prompt.indexOf('<conversation>'));
  const word = conversation.match(/\bqw[a-z]{6}\b/)?.[0] ?? 'nothing';
  return `The owner asked how to look after the ${word} and decided to call Dupont on Monday.`;
}

beforeAll(async () => {
  database = await createTestDatabase('jobs_synthesis');
  sim = await OllamaSimulator.start({ tokensPerSecond: 0, parallel: 4, reply: scriptedSummary });
  const config = chatTestConfig(sim.url, {
    DATABASE_URL: database.url,
    TARS_JOBS_ENABLED: 'false',
    TARS_JOBS_SYNTHESIS_IDLE_HOURS: '1',
    TARS_JOBS_SYNTHESIS_KEEP_TURNS_DAYS: '7',
    TARS_JOBS_SYNTHESIS_NUM_CTX: '4096',
  });
  node = await startNode(config);
  memory = node.app.get(MEMORY_CONTRACT.token);
  monitoring = node.app.get(MONITORING_CONTRACT.token);
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  const inference = node.app.get<InferenceContract>(INFERENCE_CONTRACT.token);
  await eventually(async () => (await inference.status({})).up, 'the simulated LLM to be up');
});
afterAll(async () => {
  await node?.close();
  if (simRunning) await sim?.stop();
  await sql?.end();
  await database?.drop();
});

/** A conversation whose turns are `daysAgo` old, last active `idleHours` ago. */
async function conversation(turns: Array<[TurnRole, string, number]>, idleHours: number): Promise<{ id: string; turnIds: number[] }> {
  const id = randomUUID();
  const turnIds: number[] = [];
  for (const [role, content, daysAgo] of turns) {
    const turn = await memory.appendTurn({ conversationId: id, role, content });
    await sql.query(`UPDATE conversation_turns SET created_at = now() - $2 * interval '1 day' WHERE id = $1`, [turn.id, daysAgo]);
    turnIds.push(turn.id);
  }
  await idle(id, idleHours);
  return { id, turnIds };
}

const idle = (id: string, hours: number) => sql.query(`UPDATE conversations SET updated_at = now() - $2 * interval '1 hour' WHERE id = $1`, [id, hours]);

async function synthesis(): Promise<JobRunDto> {
  const { id } = await monitoring.runJob({ job: 'synthesis' });
  const run = await runToEnd(() => monitoring.getJobRun({ id }));
  expect(run.state, run.error).toBe('succeeded');
  return run;
}

const summaryRow = async (conversationId: string): Promise<Json> =>
  (await sql.query('SELECT * FROM conversation_summaries WHERE conversation_id = $1', [conversationId])).rows[0];
const turnContents = async (conversationId: string) => (await memory.getConversation({ id: conversationId, turns: 100 })).turns.map((t) => t.content);

describe('the synthesis job with an LLM', () => {
  const word = uniqueWord();
  let first: { id: string; turnIds: number[] };
  let busy: { id: string; turnIds: number[] };
  let firstSummary: Json;

  it('summarises an idle conversation with the LLM into layer 2 and layer 3, and compacts its old turns only', async () => {
    first = await conversation(
      [
        ['user', `How do I look after the ${word} in winter?`, 10],
        ['assistant', `Keep the ${word} indoors and water it once a week.`, 10],
        ['user', 'Should I call someone to check it?', 2],
        ['assistant', 'Dupont can check it on Monday.', 2],
      ],
      2,
    );
    // Active an hour ago at most: not idle, so neither summarised nor compacted, old turns or not.
    busy = await conversation([['user', 'An old question from a conversation that is still going on.', 10], ['assistant', 'An old answer.', 10]], 0);

    const run = await synthesis();
    expect(run.summary).toMatchObject({ idle: 1, summarised: 1, llm: 1, extractive: 0, failed: 0, turnsSummarised: 4, turnsCompacted: 2 });
    expect(run.summary.conversations).toEqual([{ id: first.id, method: 'llm', turns: 4 }]);

    const [request] = summaryRequests();
    expect(request.numCtx).toBe(4096);
    expect(promptOf(request)).toContain(`[Owner] How do I look after the ${word} in winter?\n[TARS] Keep the ${word} indoors`);
    expect(promptOf(request)).toContain('<earlier-summary>\n(none)\n</earlier-summary>');

    const expected = `The owner asked how to look after the ${word} and decided to call Dupont on Monday.`;
    firstSummary = await summaryRow(first.id);
    expect(firstSummary).toMatchObject({ summary: expected, method: 'llm', model: CHAT_MODEL, covered_turns: 4 });
    expect(Number(firstSummary.covered_until_turn_id)).toBe(first.turnIds[3]);

    // Layer 2: a project row tagged conversation, named after the conversation.
    const project = await memory.getProject({ id: firstSummary.project_id });
    expect(project).toMatchObject({ name: `How do I look after the ${word} in winter?`, summary: expected, tags: ['conversation'] });
    expect(project.keywords).toContain(word);

    // Layer 3: an embedded summary item that search finds by meaning (vector) and by words.
    const search = await memory.search({ q: `${word} Dupont`, layers: ['semantic'], k: 5 });
    const hit = search.hits.find((h) => h.kind === 'summary');
    expect(hit).toMatchObject({ layer: 'semantic', source: { conversationId: first.id, projectId: firstSummary.project_id } });
    expect(hit?.similarity).toBeGreaterThan(0);
    expect(search.vectorModel).toBe('hashing');

    // Turns older than keepTurnsDays went (the summary covers them); recent ones and the busy conversation's stay.
    expect(await turnContents(first.id)).toEqual(['Should I call someone to check it?', 'Dupont can check it on Monday.']);
    expect(await turnContents(busy.id)).toHaveLength(2);
    expect(await summaryRow(busy.id)).toBeUndefined();
  });

  it('does nothing new when run again', async () => {
    const requests = summaryRequests().length;
    const items = (await sql.query(`SELECT count(*)::int AS n FROM semantic_items WHERE kind = 'summary'`)).rows[0].n;
    const run = await synthesis();
    expect(run.summary).toMatchObject({ idle: 0, summarised: 0, llm: 0, extractive: 0, turnsCompacted: 0 });
    expect(summaryRequests()).toHaveLength(requests);
    expect((await sql.query(`SELECT count(*)::int AS n FROM semantic_items WHERE kind = 'summary'`)).rows[0].n).toBe(items);
    expect(await summaryRow(first.id)).toEqual(firstSummary);
  });

  it('extends the summary with turns added since, replacing its layer-3 item and keeping its layer-2 row', async () => {
    const turn = await memory.appendTurn({ conversationId: first.id, role: 'user', content: 'Dupont came and said it is fine.' });
    await idle(first.id, 3);
    const run = await synthesis();
    expect(run.summary).toMatchObject({ summarised: 1, llm: 1, turnsSummarised: 1 });

    const prompt = promptOf(summaryRequests().at(-1)!);
    expect(prompt).toContain(`<earlier-summary>\n${firstSummary.summary}\n</earlier-summary>`);
    expect(prompt).toContain('<conversation>\n[Owner] Dupont came and said it is fine.\n</conversation>');

    const updated = await summaryRow(first.id);
    expect(updated).toMatchObject({ project_id: firstSummary.project_id, covered_turns: 5 });
    expect(Number(updated.covered_until_turn_id)).toBe(turn.id);
    expect(updated.item_id).not.toBe(firstSummary.item_id);
    const items = (await sql.query(`SELECT id::text FROM semantic_items WHERE kind = 'summary' AND conversation_id = $1`, [first.id])).rows;
    expect(items).toEqual([{ id: String(updated.item_id) }]);
    const oldVector = (await sql.query('SELECT deleted FROM semantic_vectors WHERE item_id = $1', [firstSummary.item_id])).rows;
    expect(oldVector).toEqual([{ deleted: true }]);
  });

  it('summarises a conversation extractively when the LLM refuses it, and the next one with the LLM', async () => {
    const a = await conversation([['user', `Where did I put the ${uniqueWord()} receipts? They were in the blue folder.`, 1]], 5);
    const b = await conversation([['user', `What is the ${uniqueWord()} password hint?`, 1]], 4);
    sim.inject({ path: '/api/chat', kind: 'status', status: 400, body: { error: 'this model does not support summaries' } });
    const run = await synthesis();
    expect(run.summary).toMatchObject({ summarised: 2, llm: 1, extractive: 1 });
    expect(run.summary.conversations).toEqual([
      { id: a.id, method: 'extractive', turns: 1, reason: expect.stringContaining('does not support summaries') },
      { id: b.id, method: 'llm', turns: 1 },
    ]);
    expect(await summaryRow(a.id)).toMatchObject({ method: 'extractive', model: null });
  });

  it('never compacts a turn its summary does not cover, however old', async () => {
    const talk = await conversation([['user', `Is the ${uniqueWord()} under warranty?`, 1]], 2);
    await synthesis();
    // A turn after the summary, dated long ago, in a conversation active again (so not summarised this time).
    const late = await memory.appendTurn({ conversationId: talk.id, role: 'assistant', content: 'Yes, until 2028.' });
    await sql.query(`UPDATE conversation_turns SET created_at = now() - interval '30 days' WHERE id = $1`, [late.id]);
    const run = await synthesis();
    expect(run.summary).toMatchObject({ summarised: 0, turnsCompacted: 0 });
    expect(await turnContents(talk.id)).toContain('Yes, until 2028.');
  });
});

describe('the synthesis job without an LLM', () => {
  it('summarises extractively, records why, and stores the summary where search finds it', async () => {
    await sim.stop();
    simRunning = false;
    const inference = node.app.get<InferenceContract>(INFERENCE_CONTRACT.token);
    await eventually(async () => !(await inference.status({})).up, 'the LLM to be seen down');

    const word = uniqueWord();
    const talk = await conversation(
      [
        ['user', `The ${word} boiler loses pressure every week. What should I check?`, 9],
        ['assistant', `Check the ${word} boiler pressure relief valve and the pipes for leaks.`, 9],
        ['user', 'The valve drips, so I will replace the valve.', 9],
      ],
      30,
    );
    const run = await synthesis();
    expect(run.summary).toMatchObject({ summarised: 1, llm: 0, extractive: 1, turnsCompacted: 3, llmUnavailable: expect.any(String) });

    const row = await summaryRow(talk.id);
    expect(row.method).toBe('extractive');
    expect(row.summary).toMatch(/^Extract of the conversation "The qw[a-z]+ boiler loses pressure every week\. What should I check\?":\nUser: /);
    expect(row.summary).toContain(`TARS: Check the ${word} boiler pressure relief valve and the pipes for leaks.`);
    // Every turn was old enough and is covered: all compacted, the summary stays.
    expect(await turnContents(talk.id)).toEqual([]);
    const search = await memory.search({ q: `${word} boiler valve`, k: 10 });
    expect(search.hits.map((h) => `${h.layer}:${h.kind}`)).toEqual(expect.arrayContaining(['semantic:summary', 'projects:project']));
  });
});
