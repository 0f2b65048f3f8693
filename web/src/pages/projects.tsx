import { useState } from 'preact/hooks';
import { api } from '../api/client';
import { MarkdownView } from '../components/markdown-view';
import { ErrorMessage, Link, Loading } from '../components/ui';
import { formatDate } from '../lib/format';
import { usePageTitle, useResource } from '../lib/hooks';
import { hrefFor } from '../lib/router';

function ProjectDetail({ id }: { id: string }) {
  const project = useResource((signal) => api.get('/projects/{id}', { path: { id }, signal }), [id]);
  usePageTitle(project.data ? project.data.name : 'Project');
  const p = project.data;
  return (
    <div class="page">
      <p>
        <Link href={hrefFor('projects')}>← All projects</Link>
      </p>
      <ErrorMessage error={project.error} />
      {!p && !project.error && <Loading />}
      {p && (
        <article aria-labelledby="page-title">
          <h1 id="page-title" tabIndex={-1}>
            {p.name}
          </h1>
          <dl class="facts">
            <dt>Started</dt>
            <dd>{formatDate(p.startedAt)}</dd>
            <dt>Ended</dt>
            <dd>{formatDate(p.endedAt)}</dd>
            <dt>Recorded</dt>
            <dd>{formatDate(p.createdAt)}</dd>
            <dt>Tags</dt>
            <dd>{p.tags.length > 0 ? p.tags.map((t) => <span key={t} class="tag">{t}</span>) : '–'}</dd>
            <dt>Keywords</dt>
            <dd>{p.keywords.length > 0 ? p.keywords.join(', ') : '–'}</dd>
          </dl>
          <h2>Summary</h2>
          {p.summary ? <MarkdownView text={p.summary} /> : <p class="muted">No summary.</p>}
        </article>
      )}
    </div>
  );
}

function ProjectList() {
  usePageTitle('Projects');
  const [tag, setTag] = useState('');
  const [appliedTag, setAppliedTag] = useState('');
  const list = useResource((signal) => api.get('/projects', { query: { limit: 200, ...(appliedTag ? { tag: appliedTag } : {}) }, signal }), [appliedTag]);
  return (
    <div class="page">
      <h1 id="page-title" tabIndex={-1}>
        Projects
      </h1>
      <p class="muted">Memory layer 2: summaries of finished projects and long conversations.</p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setAppliedTag(tag.trim().toLowerCase());
        }}
      >
        <label for="project-tag">Tag</label>
        <input id="project-tag" value={tag} maxLength={64} onInput={(event) => setTag(event.currentTarget.value)} />
        <button type="submit">Filter</button>
        {appliedTag && (
          <button
            type="button"
            onClick={() => {
              setTag('');
              setAppliedTag('');
            }}
          >
            Clear
          </button>
        )}
      </form>
      <ErrorMessage error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && list.data.projects.length === 0 && <p class="muted">No projects{appliedTag ? ` tagged ${appliedTag}` : ''}.</p>}
      <ul class="cards">
        {list.data?.projects.map((p) => (
          <li key={p.id} class="card">
            <h2 class="card-title">
              <Link href={hrefFor('projects', p.id)}>{p.name}</Link>
            </h2>
            <p class="muted small">
              {p.startedAt ? formatDate(p.startedAt) : 'no start date'} – {p.endedAt ? formatDate(p.endedAt) : 'no end date'}
            </p>
            {p.summary && <p class="clamp">{p.summary.slice(0, 300)}</p>}
            {p.tags.length > 0 && (
              <p>
                {p.tags.map((t) => (
                  <span key={t} class="tag">
                    {t}
                  </span>
                ))}
              </p>
            )}
          </li>
        ))}
      </ul>
      {list.data && list.data.total > list.data.projects.length && <p class="muted">Showing the newest {list.data.projects.length} of {list.data.total}.</p>}
    </div>
  );
}

/** Projects (memory layer 2): the list, and one project with its summary. */
export function ProjectsPage({ id }: { id?: string | undefined }) {
  return id ? <ProjectDetail id={id} /> : <ProjectList />;
}
