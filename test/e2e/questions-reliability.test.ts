import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultRates, OLLAMA_ERRORS, type SimulatorRequest } from '../support/ollama-simulator.mjs';
import { codeOf, QuestionCluster, type TestQuestion, testQuestion, type Worker } from '../support/question-cluster.js';

/**
 * Issue 5, the reliability test: 2,000 questions submitted through the API of node A, answered by
 * two worker processes (orchestrator + inference) on the JetStream queue, while the simulated LLM
 * answers 20 % of the chat requests with 503 (overload) and 5 % with 429 "usage limit" (quota), and
 * a worker process is killed (SIGKILL) and restarted twice during the run.
 *
 * Each worker process (each incarnation: a restarted worker is a new one) has an Ollama simulator
 * of its own with seeded random faults, so that every LLM request is known with the process that
 * made it, its arrival order, and its outcome at the simulator: overload, quota, answered, or
 * aborted (its client died while waiting). The question's code word in the prompt names it.
 *
 * Asserted at the end:
 * 1. Every question is final (validated, low_quality or failed); the `questions` table holds exactly
 *    the 2,000 submitted (batches cut by a kill were submitted again with the same idempotency keys:
 *    no extra question, none left pending); `answers` + `failed_questions` hold exactly one row per
 *    question, none in both, none missing.
 * 2. Reconciliation of faults, exact and per question. A worker stores an attempt (question,
 *    generation, try) once per LLM response; a killed worker can lose only what it had not stored
 *    yet: the response of its last request for a question (received or still in flight when it
 *    died); that try is then made again after the redelivery. So for every question, its LLM
 *    requests in arrival order, minus some of the "last request of this question on a killed
 *    incarnation", must equal its stored attempts in (generation, try) order, outcome by outcome
 *    (503 = overload, 429 = quota, answered = answered; an aborted request is never stored). The
 *    requests so removed are the lost ones. Hence, per error type:
 *      recorded errors = injected faults - faults lost with a killed worker (exactly),
 *    and the lost requests of a killed incarnation number at most the worker's concurrency (a job
 *    makes one LLM request at a time and stores its outcome before the next: at most one unstored
 *    request per job in hand), so injected - recorded <= concurrency x kills. A request lost by a
 *    worker that was not killed, or a try asked twice (two deliveries of one question at once),
 *    would match no such removal and fail the test: the reconciliation checks exactly-once too.
 *    Every recorded error carries the simulator's text, and there is no other kind of error
 *    (no time-out, nothing permanent): every retry stems from an injected fault.
 * 3. Quota retries happened (recorded quota errors > 0), and a question failed only for overload
 *    after exhausting its retries (maxRetries + 1 overload errors in its last generation).
 * 4. The questions scripted to get a wrong answer (1 %) end low_quality after 4 generations; the
 *    others, unless failed, are validated.
 */
const QUESTIONS = 2000;
const BATCH = 100;
const CONCURRENCY = 8;
/** Redelivery of a killed worker's questions waits this long; heartbeats (every ackWait/3) keep live jobs. */
const ACK_WAIT_MS = 6000;
const OVERLOAD_MAX_RETRIES = 3; // config/default.yaml
const KILL_AFTER_FINAL = [400, 1200];
const RATES: FaultRates = {
  '/api/chat': [
    { kind: 'status', status: 503, rate: 0.2 },
    { kind: 'status', status: 429, body: { error: OLLAMA_ERRORS.quota }, rate: 0.05 },
  ],
};
/** No per-token delay; 20 ms to the first token, so that a worker always has generations in flight. */
const SIM = { ttftMs: 20, tokensPerSecond: 0, faultRates: RATES };

type Outcome = 'overload' | 'quota' | 'answered' | 'aborted';
interface LlmRequest {
  arrival: number;
  incarnation: number;
  outcome: Outcome;
}
interface Incarnation {
  index: number;
  slot: number;
  worker: Worker;
  killed: boolean;
  activeAtKill?: number;
  /** Seconds into the run when it was killed. */
  killedAtS?: number;
}

describe('reliability: 2,000 questions under injected LLM faults, workers killed and restarted', () => {
  const cluster = new QuestionCluster({ ackWaitMs: ACK_WAIT_MS, concurrency: CONCURRENCY, overloadBaseMs: 20, quotaDelayMs: 200, logLevel: 'warn' });
  const incarnations: Incarnation[] = [];
  let nextIncarnation = 0;

  async function startIncarnation(slot: number): Promise<Incarnation> {
    const index = nextIncarnation++;
    const worker = await cluster.startWorker(`w${slot + 1}-${index}`, { ...SIM, faultSeed: 1000 + index });
    const incarnation = { index, slot, worker, killed: false };
    incarnations.push(incarnation);
    return incarnation;
  }

  beforeAll(async () => {
    await cluster.start();
    await Promise.all([startIncarnation(0), startIncarnation(1)]);
  });
  afterAll(() => cluster.stop());

  it(
    'every question ends once in the final tables, and the retries recorded match the faults injected',
    async () => {
      const started = Date.now();
      const qs: TestQuestion[] = Array.from({ length: QUESTIONS }, (_, i) => testQuestion(i));
      const lowQuality = new Set(qs.filter((q) => q.index % 100 === 37).map((q) => q.code));
      for (const q of qs) cluster.replies.set(q.code, lowQuality.has(q.code) ? `Bananas are yellow, says ${q.code}.` : q.reference);

      // Submission: batches of 100 through node A, each question with its idempotency key; a batch that
      // fails (its orchestrator was killed while storing it) is sent again as it was.
      const ids: string[] = new Array(QUESTIONS);
      let resubmitted = 0;
      const submitting = (async () => {
        for (let from = 0; from < QUESTIONS; from += BATCH) {
          const batch = qs.slice(from, from + BATCH);
          const body = batch.map((q) => ({ question: q.question, reference: q.reference, idempotencyKey: `reliability-${q.code}` }));
          for (let attempt = 1; ; attempt++) {
            const res = await cluster.submit(body, 90_000).catch((err: unknown) => ({ status: 0, body: String(err) }));
            if (res.status === 202) {
              res.body.questions.forEach((s: { id: string }, i: number) => (ids[from + i] = s.id));
              break;
            }
            if (attempt === 5) throw new Error(`batch ${from / BATCH} refused 5 times: ${res.status} ${JSON.stringify(res.body)}`);
            resubmitted++;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        return Date.now() - started;
      })();
      submitting.catch(() => undefined); // awaited (and its failure reported) below

      const finalSoFar = async () =>
        (await cluster.sql<{ n: number }>(`SELECT count(*)::integer AS n FROM questions WHERE state IN ('validated', 'low_quality', 'failed')`))[0].n;

      // Two kills, of W1 then of W2, each restarted at once (a new process, with a simulator of its own).
      for (const [k, threshold] of KILL_AFTER_FINAL.entries()) {
        const deadline = Date.now() + 5 * 60_000;
        while ((await finalSoFar()) < threshold && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const victim = incarnations.find((i) => i.slot === k && !i.killed)!;
        // Killed while generations are in flight (with 8 jobs in hand it soon has several at the LLM).
        const waitUntil = Date.now() + 10_000;
        while (victim.worker.sim.activeCount < 3 && Date.now() < waitUntil) await new Promise((r) => setImmediate(r));
        victim.activeAtKill = victim.worker.sim.activeCount;
        await victim.worker.process.kill();
        victim.killed = true;
        victim.killedAtS = (Date.now() - started) / 1000;
        await startIncarnation(k);
      }

      // Each kill cut generations in flight: the worker died in the middle of its jobs.
      expect(incarnations.filter((i) => i.killed).map((i) => i.activeAtKill! > 0)).toEqual([true, true]);
      const submittedInMs = await submitting;
      expect(ids.filter(Boolean)).toHaveLength(QUESTIONS);
      const finished = await cluster.waitFinal(ids, 6 * 60_000);
      const durationMs = Date.now() - started;
      expect(finished, incarnations.map((i) => `--- ${i.worker.name}\n${i.worker.process.output.slice(-3000)}`).join('\n')).toBe(QUESTIONS);

      // 1. Final tables: exactly one row per question.
      expect(new Set(ids).size).toBe(QUESTIONS);
      const [{ n: stored }] = await cluster.sql<{ n: number }>('SELECT count(*)::integer AS n FROM questions');
      expect(stored).toBe(QUESTIONS);
      const { answers, failed } = await cluster.finalRows(ids);
      const notOnce = ids.filter((id) => (answers.get(id) ?? 0) + (failed.get(id) ?? 0) !== 1);
      expect(notOnce).toEqual([]);
      const [{ answerRows, failedRows }] = await cluster.sql<{ answerRows: number; failedRows: number }>(
        `SELECT (SELECT count(*)::integer FROM answers) AS "answerRows", (SELECT count(*)::integer FROM failed_questions) AS "failedRows"`,
      );
      expect(answerRows + failedRows).toBe(QUESTIONS);

      // 2. Reconciliation of every LLM request with the stored attempts.
      const byCode = new Map<string, LlmRequest[]>();
      for (const inc of incarnations) {
        const { sim } = inc.worker;
        const faults = new Map<SimulatorRequest, Outcome>(
          sim.injectedFaults.map((f) => [f.request, f.kind === 'status' && f.status === 503 ? 'overload' : 'quota']),
        );
        const aborted = new Set(sim.abortedRequests.map((a) => a.request));
        for (const request of sim.received) {
          if (request.path !== '/api/chat') continue;
          const code = codeOf(request)!;
          const outcome: Outcome = faults.get(request) ?? (aborted.has(request) ? 'aborted' : 'answered');
          const list = byCode.get(code) ?? [];
          list.push({ arrival: cluster.arrival.get(request)!, incarnation: inc.index, outcome });
          byCode.set(code, list);
        }
      }
      const attemptRows = await cluster.sql<{ question_id: string; generation: number; outcome: string; error_type: string | null; error: string | null }>(
        'SELECT question_id, generation, try, outcome, error_type, error FROM question_attempts ORDER BY question_id, generation, try',
      );
      const attemptsById = new Map<string, typeof attemptRows>();
      for (const row of attemptRows) attemptsById.set(row.question_id, [...(attemptsById.get(row.question_id) ?? []), row]);

      const killed = new Set(incarnations.filter((i) => i.killed).map((i) => i.index));
      const lost: LlmRequest[] = [];
      const unexplained: string[] = [];
      qs.forEach((q, i) => {
        const requests = (byCode.get(q.code) ?? []).sort((a, b) => a.arrival - b.arrival);
        const stored = (attemptsById.get(ids[i]) ?? []).map((a) => (a.outcome === 'answered' ? 'answered' : a.error_type!));
        const removed = reconcile(requests, stored, killed);
        if (removed) lost.push(...removed);
        else unexplained.push(`${q.code} ${ids[i]}: requests ${requests.map((r) => `${r.outcome}@${r.incarnation}`).join(',')} vs stored ${stored.join(',')}`);
      });
      expect(unexplained).toEqual([]);

      const tally = (values: (string | null)[], value: string) => values.filter((v) => v === value).length;
      const count = (list: { outcome: string }[], outcome: string) => tally(list.map((r) => r.outcome), outcome);
      const injected = { overload: 0, quota: 0 };
      for (const inc of incarnations) {
        injected.overload += inc.worker.sim.injectedCounts[503] ?? 0;
        injected.quota += inc.worker.sim.injectedCounts[429] ?? 0;
      }
      const errors = attemptRows.filter((a) => a.outcome === 'error');
      const recorded = { overload: tally(errors.map((e) => e.error_type), 'overload'), quota: tally(errors.map((e) => e.error_type), 'quota') };
      const lostFaults = { overload: count(lost, 'overload'), quota: count(lost, 'quota') };
      expect(recorded.overload).toBe(injected.overload - lostFaults.overload);
      expect(recorded.quota).toBe(injected.quota - lostFaults.quota);
      expect(errors.length).toBe(recorded.overload + recorded.quota); // no time-out, nothing permanent
      expect(errors.filter((e) => e.error_type === 'overload').every((e) => e.error!.includes(OLLAMA_ERRORS.busy))).toBe(true);
      expect(errors.filter((e) => e.error_type === 'quota').every((e) => e.error!.includes(OLLAMA_ERRORS.quota))).toBe(true);
      for (const inc of incarnations) {
        // At most one unstored request per job in hand, and none at all on a worker that was not killed.
        expect(lost.filter((r) => r.incarnation === inc.index).length).toBeLessThanOrEqual(inc.killed ? CONCURRENCY : 0);
      }
      expect(injected.overload + injected.quota - recorded.overload - recorded.quota).toBeLessThanOrEqual(CONCURRENCY * killed.size);

      // 3. Quota retries happened; failures only for overload, after every retry.
      expect(recorded.quota).toBeGreaterThan(0);
      const failures = await cluster.sql<{ question_id: string; error_type: string }>('SELECT question_id, error_type FROM failed_questions');
      for (const f of failures) {
        const rows = attemptsById.get(f.question_id)!;
        const last = rows.at(-1)!;
        const ofLastGeneration = rows.filter((r) => r.generation === last.generation);
        expect({ id: f.question_id, type: f.error_type, overloads: tally(ofLastGeneration.map((r) => r.error_type), 'overload') }).toEqual({
          id: f.question_id,
          type: 'overload',
          overloads: OVERLOAD_MAX_RETRIES + 1,
        });
        expect(last.error_type).toBe('overload');
      }

      // 4. Final states: the wrong answers end low_quality after 4 generations, the others validated.
      const states = await cluster.sql<{ id: string; state: string; generation: number }>('SELECT id, state, generation FROM questions');
      const stateOf = new Map(states.map((s) => [s.id, s]));
      const failedIds = new Set(failures.map((f) => f.question_id));
      const wrongState = qs.filter((q, i) => {
        const s = stateOf.get(ids[i])!;
        if (failedIds.has(ids[i])) return s.state !== 'failed';
        return lowQuality.has(q.code) ? s.state !== 'low_quality' || s.generation !== 4 : s.state !== 'validated';
      });
      expect(wrongState.map((q) => q.code)).toEqual([]);

      const retries = errors.length - failures.length;
      console.log(
        [
          `reliability: ${QUESTIONS} questions in ${(durationMs / 1000).toFixed(1)} s (submitted in ${(submittedInMs / 1000).toFixed(1)} s, ${resubmitted} batch(es) sent again)`,
          `  final: ${tally(states.map((s) => s.state), 'validated')} validated, ${tally(states.map((s) => s.state), 'low_quality')} low_quality, ${failures.length} failed; answers ${answerRows} + failed_questions ${failedRows} rows`,
          `  LLM requests: ${[...byCode.values()].reduce((n, l) => n + l.length, 0)} over ${incarnations.length} worker processes`,
          `  injected: ${injected.overload} overload (503), ${injected.quota} quota (429)`,
          `  recorded: ${recorded.overload} overload, ${recorded.quota} quota errors; ${retries} retries scheduled, ${failures.length} final failures`,
          `  lost with killed workers: ${lost.length} requests (${lostFaults.overload} overload, ${lostFaults.quota} quota, ${count(lost, 'answered')} answered, ${count(lost, 'aborted')} aborted); bound ${CONCURRENCY * killed.size}`,
          `  kills: ${incarnations
            .filter((i) => i.killed)
            .sort((a, b) => a.killedAtS! - b.killedAtS!)
            .map((i) => `${i.worker.name} at ${i.killedAtS!.toFixed(1)} s with ${i.activeAtKill} generation(s) in flight`)
            .join(', ')}`,
        ].join('\n'),
      );
    },
    12 * 60_000,
  );
});

/**
 * The requests of one question (arrival order) that must be removed so that the rest match its
 * stored attempts outcome by outcome, chosen among the last request of the question on each
 * killed incarnation (smallest set first); undefined when no such choice exists.
 */
function reconcile(requests: LlmRequest[], stored: string[], killed: Set<number>): LlmRequest[] | undefined {
  const candidates = [...killed].map((inc) => requests.findLastIndex((r) => r.incarnation === inc)).filter((i) => i >= 0);
  const subsets = Array.from({ length: 2 ** candidates.length }, (_, mask) => candidates.filter((_, bit) => mask & (1 << bit)));
  subsets.sort((a, b) => a.length - b.length);
  for (const subset of subsets) {
    const rest = requests.filter((_, i) => !subset.includes(i)).map((r) => r.outcome);
    if (rest.length === stored.length && rest.every((o, i) => o === stored[i])) return subset.map((i) => requests[i]);
  }
  return undefined;
}
