import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatAnswer, ChatStart } from '../api/chat-stream';
import { api, describeError, type Schemas } from '../api/client';
import { onMarkdownLinkEvent } from '../components/markdown-view';
import { ErrorMessage, Link, Loading, Modal, StateBadge } from '../components/ui';
import { formatBytes, formatMs, formatNumber } from '../lib/format';
import { renderMarkdown } from '../lib/markdown';
import { hrefFor } from '../lib/router';
import type { TokenBuffer } from '../lib/token-buffer';

type Source = Schemas['AnswerSourceDto'];

/** Past this length a streaming answer is shown as plain text until it is complete (Markdown once, at the end). */
const MARKDOWN_WHILE_STREAMING_MAX = 24_000;

/**
 * The answer's text, drawn straight into the DOM from its TokenBuffer (once per frame), not through
 * Preact: nothing else re-renders while tokens arrive. Screen readers hear it when it is complete.
 */
export function AnswerText({ buffer, streaming, onGrow }: { buffer: TokenBuffer; streaming: boolean; onGrow?: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const streamingRef = useRef(streaming);
  streamingRef.current = streaming;
  const growRef = useRef(onGrow);
  growRef.current = onGrow;
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    buffer.attach((text) => {
      if (streamingRef.current && text.length > MARKDOWN_WHILE_STREAMING_MAX) element.textContent = text;
      else element.innerHTML = renderMarkdown(text);
      growRef.current?.();
    });
    return () => buffer.attach(undefined);
  }, [buffer]);
  // The final render (Markdown even for a long answer) once streaming ends.
  useEffect(() => {
    if (!streaming) buffer.replace(buffer.text);
  }, [streaming, buffer]);
  return (
    <div
      ref={ref}
      class="markdown answer-text"
      aria-live="polite"
      aria-busy={streaming ? 'true' : 'false'}
      data-testid="answer-text"
      onClick={onMarkdownLinkEvent}
      onKeyDown={onMarkdownLinkEvent}
    />
  );
}

const TIMING_ORDER = ['load', 'rewrite', 'route', 'retrieve', 'prompt', 'store', 'firstToken', 'generate', 'total'];

function Timings({ timings }: { timings: Record<string, number> }) {
  const names = Object.keys(timings).sort((a, b) => {
    const ia = TIMING_ORDER.indexOf(a);
    const ib = TIMING_ORDER.indexOf(b);
    return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib) || a.localeCompare(b);
  });
  return (
    <dl class="timings" aria-label="Timings per stage">
      {names.map((name) => (
        <div key={name}>
          <dt>{name === 'firstToken' ? 'first token' : name}</dt>
          <dd>{formatMs(timings[name])}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Route, degradation, sources, timings and the rest of an answer's record. */
export function AnswerMeta({ start, answer }: { start?: ChatStart | undefined; answer?: ChatAnswer | undefined }) {
  const [open, setOpen] = useState<Source | undefined>(undefined);
  const route = answer?.route ?? start?.route;
  const degraded = answer?.degraded ?? start?.degraded ?? null;
  if (!route && !answer) return null;
  return (
    <div class="answer-meta">
      <p class="meta-line">
        {route && (
          <span class="route" data-testid="answer-route">
            Route <StateBadge state="neutral" label={route.name.replace(/_/g, ' ')} />
          </span>
        )}
        {degraded ? (
          <span class="degraded" data-testid="answer-degraded">
            <StateBadge state="degraded" label="degraded" /> {degraded.code}: {degraded.reason}
          </span>
        ) : (
          answer && <span class="muted">not degraded</span>
        )}
        {answer && !answer.generated && <StateBadge state="degraded" label="not generated: passages from memory" />}
      </p>
      {answer && answer.sources.length > 0 && (
        <div class="sources">
          <h3 class="meta-heading">Sources</h3>
          <ul>
            {answer.sources.map((source) => (
              <li key={source.ref}>
                <button type="button" class="link-button" onClick={() => setOpen(source)}>
                  [{source.ref}] {source.title || source.kind}
                </button>{' '}
                <span class="muted">
                  {source.layer} · {source.kind}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {answer && <Timings timings={answer.timings} />}
      {answer && answer.notices.length > 0 && (
        <ul class="notices" aria-label="Notices">
          {answer.notices.map((notice) => (
            <li key={notice}>{notice}</li>
          ))}
        </ul>
      )}
      {route && (
        <details class="more">
          <summary>How it was answered</summary>
          <p>
            <strong>Why this route:</strong> {route.reason}
          </p>
          {route.retrievalQuery && (
            <p>
              <strong>Retrieval query:</strong> {route.retrievalQuery}
            </p>
          )}
          {route.subQueries.length > 0 && (
            <p>
              <strong>Sub-queries:</strong> {route.subQueries.join(' · ')}
            </p>
          )}
          {route.plan.length > 0 && (
            <ol class="plan">
              {route.plan.map((step, i) => (
                <li key={i}>{step}</li>
              ))}
            </ol>
          )}
          {answer && (
            <p class="muted">
              {answer.model && `Model ${answer.model}`}
              {answer.backend && ` on ${answer.backend}`}
              {Object.keys(answer.usage).length > 0 &&
                ` · ${Object.entries(answer.usage)
                  .map(([name, value]) => `${name} ${formatNumber(value, 0)}`)
                  .join(', ')}`}
            </p>
          )}
        </details>
      )}
      {open && <SourceDialog source={open} onClose={() => setOpen(undefined)} />}
    </div>
  );
}

type Origin =
  | { kind: 'document'; document: Schemas['DocumentDto'] }
  | { kind: 'project'; project: Schemas['ProjectDto'] }
  | { kind: 'note'; note: Schemas['NoteDto'] }
  | { kind: 'none' };

async function loadOrigin(source: Schemas['HitSourceDto'], signal: AbortSignal): Promise<Origin> {
  if (source.documentId) return { kind: 'document', document: await api.get('/documents/{id}', { path: { id: source.documentId }, signal }) };
  if (source.projectId) return { kind: 'project', project: await api.get('/projects/{id}', { path: { id: source.projectId }, signal }) };
  if (source.noteId) return { kind: 'note', note: await api.get('/memory/notes/{id}', { path: { id: source.noteId }, signal }) };
  return { kind: 'none' };
}

/** A cited passage as it was given to the model, and what it comes from. */
export function SourceDialog({ source, onClose }: { source: Source; onClose: () => void }) {
  const [origin, setOrigin] = useState<Origin | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    loadOrigin(source.source, controller.signal).then(setOrigin, (err: unknown) => controller.signal.aborted || setError(describeError(err)));
    return () => controller.abort();
  }, [source]);
  const where = source.source;
  return (
    <Modal title={`[${source.ref}] ${source.title || source.kind}`} onClose={onClose}>
      <p class="muted">
        {source.layer} · {source.kind} · score {formatNumber(source.score, 4)}
        {where.chunkIndex !== undefined && ` · chunk ${where.chunkIndex}`}
        {where.pageStart !== undefined && ` · page ${where.pageStart}${where.pageEnd !== undefined && where.pageEnd !== where.pageStart ? `–${where.pageEnd}` : ''}`}
        {where.charStart !== undefined && ` · characters ${where.charStart}–${where.charEnd ?? '?'}`}
      </p>
      <h3 class="meta-heading">Passage</h3>
      {/* Retrieved text is untrusted: shown as text, never as HTML. */}
      <blockquote class="passage" data-testid="source-passage">
        {source.snippet}
      </blockquote>
      <h3 class="meta-heading">From</h3>
      <ErrorMessage error={error} />
      {!origin && !error && <Loading />}
      {origin?.kind === 'document' && (
        <dl class="facts">
          <dt>Document</dt>
          <dd>{origin.document.title || origin.document.filename || origin.document.id}</dd>
          <dt>File</dt>
          <dd>
            {origin.document.filename || '–'} ({origin.document.type}, {formatBytes(origin.document.sizeBytes)})
          </dd>
          <dt>Status</dt>
          <dd>
            <StateBadge state={origin.document.status} /> {origin.document.chunkCount} chunks
          </dd>
          <dt>Open</dt>
          <dd>
            <Link href={`${hrefFor('documents')}?focus=${origin.document.id}`}>in Documents</Link>
          </dd>
        </dl>
      )}
      {origin?.kind === 'project' && (
        <p>
          Project <Link href={hrefFor('projects', origin.project.id)}>{origin.project.name}</Link>
        </p>
      )}
      {origin?.kind === 'note' && (
        <>
          <p>
            Note <strong>{origin.note.title}</strong> {origin.note.tags.length > 0 && <span class="muted">({origin.note.tags.join(', ')})</span>}
          </p>
          <p class="plain-text">{origin.note.text}</p>
        </>
      )}
      {origin?.kind === 'none' && (
        <p>
          {where.conversationId ? (
            <Link href={hrefFor('chat', where.conversationId)}>The conversation it comes from</Link>
          ) : (
            `Memory layer ${source.layer}`
          )}
        </p>
      )}
    </Modal>
  );
}
