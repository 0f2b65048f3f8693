import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, describeError, type Schemas } from '../api/client';
import { loadSessionValue, saveSessionValue } from '../api/session';
import { MarkdownView } from '../components/markdown-view';
import { ErrorMessage, Link, Loading, StateBadge } from '../components/ui';
import { formatDate, formatMs, formatNumber, formatRelative } from '../lib/format';
import { usePageTitle, useResource } from '../lib/hooks';
import { hrefFor } from '../lib/router';

type QuestionState = Schemas['QuestionDto']['state'];

const FINAL: ReadonlySet<string> = new Set(['validated', 'low_quality', 'failed']);
const BATCH_MAX = 500;
const POLL_MS = 1500;
/** Questions refreshed per poll (the rest wait their turn): the API key's rate limit counts polls. */
const POLL_BATCH = 8;

/** A question submitted from this browser session. */
interface Tracked {
  id: string;
  question: string;
  state: QuestionState;
  score?: number | undefined;
  cached: boolean;
  duplicate: boolean;
  submittedAt: string;
  checkedAt: number;
}

/** Lines of the text box that hold a question. */
export function questionLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function QuestionList() {
  usePageTitle('Questions');
  const [text, setText] = useState('');
  const [tracked, setTracked] = useState<Tracked[]>(() => loadSessionValue<Tracked[]>('questions', []));
  const [error, setError] = useState<string | undefined>(undefined);
  const [sending, setSending] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const trackedRef = useRef(tracked);
  trackedRef.current = tracked;

  const save = (next: Tracked[]) => {
    setTracked(next);
    saveSessionValue('questions', next);
  };

  // Watch the states: the questions checked longest ago first, a few per poll.
  useEffect(() => {
    let running = false;
    const timer = setInterval(async () => {
      if (running || document.hidden) return;
      const due = trackedRef.current
        .filter((q) => !FINAL.has(q.state))
        .sort((a, b) => a.checkedAt - b.checkedAt)
        .slice(0, POLL_BATCH);
      if (due.length === 0) return;
      running = true;
      try {
        const answers = await Promise.all(
          due.map((q) =>
            api.get('/questions/{id}', { path: { id: q.id } }).catch((err: unknown) => (err instanceof ApiError && err.status === 404 ? null : undefined)),
          ),
        );
        const byId = new Map(due.map((q, i) => [q.id, answers[i]]));
        const now = Date.now();
        save(
          trackedRef.current.map((q) => {
            if (!byId.has(q.id)) return q;
            const answer = byId.get(q.id);
            if (answer === undefined) return { ...q, checkedAt: now };
            if (answer === null) return { ...q, state: 'failed', checkedAt: now };
            return { ...q, state: answer.state, score: answer.score, checkedAt: now };
          }),
        );
      } finally {
        running = false;
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const lines = questionLines(text);
    if (lines.length === 0) return;
    if (lines.length > BATCH_MAX) {
      setError(`At most ${BATCH_MAX} questions at once (you pasted ${lines.length}).`);
      return;
    }
    setSending(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const result = await api.post('/questions', { body: { questions: lines.map((question) => ({ question })) } });
      const now = new Date().toISOString();
      const added: Tracked[] = result.questions.map((q, i) => ({
        id: q.id,
        question: lines[i] ?? '',
        state: q.state,
        score: q.score,
        cached: q.cached,
        duplicate: q.duplicate,
        submittedAt: now,
        checkedAt: 0,
      }));
      const known = new Set(added.map((q) => q.id));
      save([...added, ...trackedRef.current.filter((q) => !known.has(q.id))]);
      const cached = added.filter((q) => q.cached).length;
      setNotice(`${added.length} submitted${cached ? `, ${cached} answered at once from validated answers` : ''}.`);
      setText('');
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSending(false);
    }
  }

  const counts = new Map<string, number>();
  tracked.forEach((q) => counts.set(q.state, (counts.get(q.state) ?? 0) + 1));
  const lineCount = questionLines(text).length;

  return (
    <div class="page">
      <h1 id="page-title" tabIndex={-1}>
        Questions
      </h1>
      <p class="muted">
        Submitted questions are answered in the background, scored, and regenerated when the score is low. See also the{' '}
        <Link href={hrefFor('stats')}>statistics</Link>.
      </p>
      <form class="stack" onSubmit={(event) => void submit(event)}>
        <label for="questions-text">Questions, one per line</label>
        <textarea id="questions-text" rows={5} value={text} onInput={(event) => setText(event.currentTarget.value)} placeholder={'What is the capital of Australia?\nSummarise my boiler notes'} />
        <div class="input-row">
          <button type="submit" class="primary" disabled={sending || lineCount === 0}>
            {lineCount > 1 ? `Submit ${lineCount} questions` : 'Submit'}
          </button>
          {tracked.length > 0 && (
            <button type="button" onClick={() => save(tracked.filter((q) => !FINAL.has(q.state)))}>
              Forget finished
            </button>
          )}
        </div>
      </form>
      <ErrorMessage error={error} />
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      <section aria-labelledby="tracked-heading">
        <h2 id="tracked-heading">Submitted in this session</h2>
        {tracked.length === 0 ? (
          <p class="muted">None yet. Questions you submit here are followed live until they reach a final state.</p>
        ) : (
          <>
            <p class="state-counts" aria-live="polite">
              {[...counts.entries()].map(([state, count]) => (
                <span key={state}>
                  <StateBadge state={state} /> {count}{' '}
                </span>
              ))}
            </p>
            <div class="table-wrap">
              <table class="data-table">
                <thead>
                  <tr>
                    <th scope="col">Question</th>
                    <th scope="col">State</th>
                    <th scope="col" class="num">
                      Score
                    </th>
                    <th scope="col">Submitted</th>
                  </tr>
                </thead>
                <tbody>
                  {tracked.map((q) => (
                    <tr key={q.id} data-state={q.state}>
                      <th scope="row">
                        <Link href={hrefFor('questions', q.id)}>{q.question}</Link>
                        {q.cached && <span class="muted small"> (cached answer)</span>}
                        {q.duplicate && <span class="muted small"> (submitted before)</span>}
                      </th>
                      <td>
                        <StateBadge state={q.state} />
                      </td>
                      <td class="num">{formatNumber(q.score, 3)}</td>
                      <td>{formatRelative(q.submittedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </div>
  );
}

function QuestionDetail({ id }: { id: string }) {
  const [final, setFinal] = useState(false);
  const question = useResource((signal) => api.get('/questions/{id}', { path: { id }, signal }), [id], final ? undefined : POLL_MS);
  usePageTitle('Question');
  const q = question.data;
  useEffect(() => setFinal(q !== undefined && FINAL.has(q.state)), [q?.state]);
  return (
    <div class="page">
      <p>
        <Link href={hrefFor('questions')}>← Questions</Link>
      </p>
      <h1 id="page-title" tabIndex={-1}>
        Question
      </h1>
      <ErrorMessage error={question.error} />
      {!q && !question.error && <Loading />}
      {q && (
        <>
          <p class="plain-text question-text">{q.question}</p>
          <dl class="facts">
            <dt>State</dt>
            <dd aria-live="polite">
              <StateBadge state={q.state} />
              {!FINAL.has(q.state) && <span class="muted"> (updating live)</span>}
            </dd>
            <dt>Score</dt>
            <dd>
              {formatNumber(q.score, 3)} {q.scoreMethod && <span class="muted">({q.scoreMethod})</span>}
            </dd>
            <dt>Submitted</dt>
            <dd>{formatDate(q.createdAt)}</dd>
            {q.failure && (
              <>
                <dt>Failure</dt>
                <dd class="error">{q.failure}</dd>
              </>
            )}
          </dl>
          {q.reference && (
            <>
              <h2>Reference answer</h2>
              <p class="plain-text">{q.reference}</p>
            </>
          )}
          <h2>Answer</h2>
          {q.answer ? <MarkdownView text={q.answer} /> : <p class="muted">No answer yet.</p>}
          <h2>Attempts</h2>
          {q.attempts.length === 0 ? (
            <p class="muted">None yet.</p>
          ) : (
            <div class="table-wrap">
              <table class="data-table">
                <thead>
                  <tr>
                    <th scope="col">Generation</th>
                    <th scope="col">Try</th>
                    <th scope="col">Outcome</th>
                    <th scope="col" class="num">
                      Score
                    </th>
                    <th scope="col">Timings</th>
                    <th scope="col">Started</th>
                  </tr>
                </thead>
                <tbody>
                  {q.attempts.map((a) => (
                    <tr key={`${a.generation}-${a.try}`}>
                      <td>{a.generation}</td>
                      <td>{a.try}</td>
                      <td>
                        <StateBadge state={a.outcome === 'answered' ? 'done' : 'error'} label={a.outcome} />
                        {a.errorType && <span class="muted"> {a.errorType}</span>}
                        {a.error && <div class="error small">{a.error}</div>}
                      </td>
                      <td class="num">
                        {formatNumber(a.score, 3)}
                        {a.scoreMethod && <div class="muted small">{a.scoreMethod}</div>}
                      </td>
                      <td class="small">
                        {Object.entries(a.timings)
                          .map(([stage, ms]) => `${stage} ${formatMs(ms)}`)
                          .join(', ') || '–'}
                      </td>
                      <td>{formatDate(a.startedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2>Timeline</h2>
          <ol class="timeline">
            {q.timeline.map((entry, i) => {
              const previous = q.timeline[i - 1];
              const after = previous ? new Date(entry.at).getTime() - new Date(previous.at).getTime() : undefined;
              return (
                <li key={i}>
                  <StateBadge state={entry.state} /> <time dateTime={entry.at}>{formatDate(entry.at)}</time>
                  {after !== undefined && <span class="muted"> (+{formatMs(after)})</span>}
                  {entry.detail && <div class="muted small">{entry.detail}</div>}
                </li>
              );
            })}
          </ol>
        </>
      )}
    </div>
  );
}

/** Questions: submit one or many, watch their states, open one for its attempts and timeline. */
export function QuestionsPage({ id }: { id?: string | undefined }) {
  return id ? <QuestionDetail id={id} /> : <QuestionList />;
}
