import { useState } from 'preact/hooks';
import { api, describeError, type Schemas } from '../api/client';
import { ErrorMessage, Link, Loading } from '../components/ui';
import { formatNumber } from '../lib/format';
import { snippetParts } from '../lib/highlight';
import { usePageTitle } from '../lib/hooks';
import { hrefFor } from '../lib/router';

type Layer = Schemas['MemoryHitDto']['layer'];
type Hit = Schemas['MemoryHitDto'];
type Result = Schemas['MemorySearchResultDto'];

const LAYERS: Array<{ layer: Layer; label: string }> = [
  { layer: 'conversations', label: 'Conversations (layer 1)' },
  { layer: 'projects', label: 'Projects (layer 2)' },
  { layer: 'semantic', label: 'Documents and semantic items (layer 3)' },
  { layer: 'notes', label: 'Notes' },
];

/** A snippet with its matched words in <mark>: text nodes only, never HTML. */
export function Snippet({ text }: { text: string }) {
  return (
    <p class="snippet">
      {snippetParts(text).map((part, i) => (part.marked ? <mark key={i}>{part.text}</mark> : part.text))}
    </p>
  );
}

function HitSource({ hit }: { hit: Hit }) {
  const s = hit.source;
  if (s.documentId) {
    const pages = s.pageStart !== undefined ? ` · page ${s.pageStart}${s.pageEnd !== undefined && s.pageEnd !== s.pageStart ? `–${s.pageEnd}` : ''}` : '';
    return (
      <span>
        <Link href={`${hrefFor('documents')}?focus=${s.documentId}`}>{s.documentTitle || 'document'}</Link>
        {s.chunkIndex !== undefined && ` · chunk ${s.chunkIndex}`}
        {pages}
      </span>
    );
  }
  if (s.projectId) return <Link href={hrefFor('projects', s.projectId)}>project</Link>;
  if (s.conversationId) return <Link href={hrefFor('chat', s.conversationId)}>conversation</Link>;
  if (s.noteId) return <span>note</span>;
  return null;
}

/** Hybrid memory search with layer filters and highlighted snippets. */
export function MemorySearchPage() {
  usePageTitle('Memory search');
  const [query, setQuery] = useState('');
  const [layers, setLayers] = useState<Set<Layer>>(new Set(LAYERS.map((l) => l.layer)));
  const [k, setK] = useState(10);
  const [withText, setWithText] = useState(false);
  const [result, setResult] = useState<Result | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(false);

  async function search(event: Event): Promise<void> {
    event.preventDefault();
    const q = query.trim();
    if (!q) return;
    if (layers.size === 0) {
      setError('Choose at least one layer.');
      return;
    }
    setLoading(true);
    setError(undefined);
    try {
      const all = layers.size === LAYERS.length;
      setResult(await api.get('/memory/search', { query: { q, k, ...(all ? {} : { layers: [...layers] }), ...(withText ? { withText: true } : {}) } }));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setLoading(false);
    }
  }

  const toggle = (layer: Layer) => {
    const next = new Set(layers);
    if (next.has(layer)) next.delete(layer);
    else next.add(layer);
    setLayers(next);
  };

  return (
    <div class="page">
      <h1 id="page-title" tabIndex={-1}>
        Memory search
      </h1>
      <form class="search-form" role="search" onSubmit={(event) => void search(event)}>
        <div class="field">
          <label for="memory-query">Search memory</label>
          <div class="input-row">
            <input
              id="memory-query"
              type="search"
              maxLength={500}
              value={query}
              onInput={(event) => setQuery(event.currentTarget.value)}
              placeholder='words, "a phrase", -excluded, or a question'
            />
            <button type="submit" class="primary" disabled={loading || query.trim() === ''}>
              Search
            </button>
          </div>
        </div>
        <fieldset class="layers">
          <legend>Layers</legend>
          {LAYERS.map(({ layer, label }) => (
            <label key={layer} class="check">
              <input type="checkbox" checked={layers.has(layer)} onChange={() => toggle(layer)} /> {label}
            </label>
          ))}
        </fieldset>
        <div class="options-row">
          <label class="inline-field">
            Results{' '}
            <select value={String(k)} onChange={(event) => setK(Number(event.currentTarget.value))}>
              {[5, 10, 20, 50, 100].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label class="check">
            <input type="checkbox" checked={withText} onChange={() => setWithText(!withText)} /> Show whole passages
          </label>
        </div>
      </form>
      <ErrorMessage error={error} />
      {loading && <Loading label="Searching…" />}
      {result && (
        <section aria-labelledby="results-heading" aria-live="polite">
          <h2 id="results-heading">
            {result.hits.length} {result.hits.length === 1 ? 'hit' : 'hits'} for “{result.query}”
          </h2>
          {result.notices.length > 0 && (
            <ul class="notices" aria-label="Notices">
              {result.notices.map((notice) => (
                <li key={notice}>{notice}</li>
              ))}
            </ul>
          )}
          <ol class="hits">
            {result.hits.map((hit, i) => (
              <li key={i} class="hit">
                <div class="hit-head">
                  <strong>{hit.title || hit.kind}</strong> <span class={`badge layer-${hit.layer}`}>{hit.layer}</span> <span class="muted">{hit.kind}</span>
                </div>
                <Snippet text={hit.snippet} />
                {hit.text && (
                  <details>
                    <summary>Whole passage</summary>
                    <p class="plain-text passage">{hit.text}</p>
                  </details>
                )}
                <p class="muted small">
                  score {formatNumber(hit.score, 4)}
                  {hit.similarity !== undefined && ` · similarity ${formatNumber(hit.similarity, 3)}`}
                  {hit.textRank !== undefined && ` · text rank ${formatNumber(hit.textRank, 3)}`} · <HitSource hit={hit} />
                </p>
              </li>
            ))}
          </ol>
          {result.vectorModel && <p class="muted small">Vector search with {result.vectorModel}.</p>}
        </section>
      )}
    </div>
  );
}
