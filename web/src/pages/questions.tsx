import { useEffect, useState } from 'preact/hooks';
import { api, describeError, type Schemas } from '../api/client';
import { MarkdownView } from '../components/markdown-view';
import { ErrorMessage, Link, Loading, StateBadge } from '../components/ui';
import { formatDate, formatMs, formatNumber, formatRelative } from '../lib/format';
import { usePageTitle, useResource } from '../lib/hooks';
import { hrefFor } from '../lib/router';

type QuestionState = Schemas['QuestionDto']['state'];

const STATES: readonly QuestionState[] = ['pending', 'generating', 'scoring', 'retrying', 'validated', 'low_quality', 'failed'];
const FINAL: ReadonlySet<string> = new Set(['validated', 'low_quality', 'failed']);
const BATCH_MAX = 500;
const POLL_MS = 1500;
/** With every listed question final, the list is still refreshed now and then (questions come from elsewhere too). */
const IDLE_POLL_MS = 15_000;
const PAGE_SIZE = 50;

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
  const [error, setError] = useState<string | undefined>(undefined);
  const [sending, setSending] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [state, setState] = useState<QuestionState | ''>('');
  const [offset, setOffset] = useState(0);
  const [live, setLive] = useState(false);

  // One request per poll for the whole page: faster while a listed question is still being worked on.
  const list = useResource(
    (signal) => api.get('/questions', { query: { limit: PAGE_SIZE, offset, ...(state ? { state } : {}) }, signal }),
    [state, offset],
    live ? POLL_MS : IDLE_POLL_MS,
  );
  const questions = list.data?.questions;
  useEffect(() => setLive(questions?.some((q) => !FINAL.has(q.state)) ?? false), [questions]);

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
      const cached = result.questions.filter((q) => q.cached).length;
      const duplicates = result.questions.filter((q) => q.duplicate).length;
      setNotice(
        `${result.questions.length} submitted${cached ? `, ${cached} answered at once from validated answers` : ''}${duplicates ? `, ${duplicates} submitted before` : ''}.`,
      );
      setText('');
      if (offset === 0) await list.reload();
      else setOffset(0);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSending(false);
    }
  }

  const lineCount = questionLines(text).length;
  const total = list.data?.total ?? 0;

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
        </div>
      </form>
      <ErrorMessage error={error} />
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      <section aria-labelledby="questions-heading">
        <div class="section-head">
          <h2 id="questions-heading">Recent questions {list.data && <span class="muted">({total})</span>}</h2>
          <label class="inline-field">
            State{' '}
            <select
              value={state}
              onChange={(event) => {
                setState(event.currentTarget.value as QuestionState | '');
                setOffset(0);
              }}
            >
              <option value="">all</option>
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorMessage error={list.error} />
        {!list.data && !list.error && <Loading />}
        {questions && questions.length === 0 && <p class="muted">No questions{state ? ` in state ${state}` : ''}{offset > 0 ? ' on this page' : ''}.</p>}
        {questions && questions.length > 0 && (
          <div class="table-wrap">
            <table class="data-table">
              <thead>
                <tr>
                  <th scope="col">Question</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Score
                  </th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col">Submitted</th>
                </tr>
              </thead>
              <tbody aria-live="polite">
                {questions.map((q) => (
                  <tr key={q.id} data-state={q.state}>
                    <th scope="row">
                      <Link href={hrefFor('questions', q.id)}>{q.truncated ? `${q.question}…` : q.question}</Link>
                    </th>
                    <td>
                      <StateBadge state={q.state} />
                    </td>
                    <td class="num">{formatNumber(q.score, 3)}</td>
                    <td class="num">{q.attempts}</td>
                    <td>
                      <time dateTime={q.createdAt} title={formatDate(q.createdAt)}>
                        {formatRelative(q.createdAt)}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {list.data && (offset > 0 || total > offset + PAGE_SIZE) && (
          <nav class="input-row" aria-label="Pages of questions">
            <button type="button" onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))} disabled={offset === 0}>
              Newer
            </button>
            <span class="muted">
              {Math.min(offset + 1, total)}–{Math.min(offset + PAGE_SIZE, total)} of {total}
            </span>
            <button type="button" onClick={() => setOffset(offset + PAGE_SIZE)} disabled={offset + PAGE_SIZE >= total}>
              Older
            </button>
          </nav>
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

/** Questions: submit one or many, list recent ones with their states (live), open one for its attempts and timeline. */
export function QuestionsPage({ id }: { id?: string | undefined }) {
  return id ? <QuestionDetail id={id} /> : <QuestionList />;
}
