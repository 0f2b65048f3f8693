import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, describeError, type Schemas } from '../api/client';
import { uploadDocument } from '../api/upload';
import { ErrorMessage, Loading, StateBadge } from '../components/ui';
import { formatBytes, formatRelative } from '../lib/format';
import { usePageTitle, useResource } from '../lib/hooks';

type DocumentDto = Schemas['DocumentDto'];
type Status = DocumentDto['status'];

const FINAL: ReadonlySet<string> = new Set(['indexed', 'failed']);
const STATUSES: Status[] = ['queued', 'processing', 'indexed', 'failed'];

/** A file sent from this page, followed until it is indexed or failed. */
interface Upload {
  key: number;
  name: string;
  size: number;
  progress: number;
  state: 'uploading' | 'rejected' | Status;
  message?: string;
  document?: DocumentDto;
  duplicate?: boolean;
}

let uploadSeq = 0;

function UploadRow({ upload }: { upload: Upload }) {
  const label = upload.state === 'uploading' ? `uploading ${Math.round(upload.progress * 100)}%` : upload.state;
  return (
    <li class="upload" data-state={upload.state}>
      <div class="upload-head">
        <strong class="upload-name">{upload.name}</strong> <span class="muted">{formatBytes(upload.size)}</span>{' '}
        <StateBadge state={upload.state === 'rejected' ? 'failed' : upload.state} label={label} />
        {upload.duplicate && <span class="muted"> (already stored: nothing new queued)</span>}
      </div>
      {upload.state === 'uploading' && (
        <progress max={1} value={upload.progress} aria-label={`Upload of ${upload.name}`}>
          {Math.round(upload.progress * 100)}%
        </progress>
      )}
      {upload.state === 'processing' && upload.document && <span class="muted">{upload.document.chunkCount} chunks stored so far</span>}
      {upload.state === 'indexed' && upload.document && <span class="muted">{upload.document.chunkCount} chunks indexed</span>}
      {(upload.state === 'failed' || upload.state === 'rejected') && (
        <p class="error" role="alert">
          {upload.message ?? upload.document?.failureReason ?? 'failed'}
        </p>
      )}
    </li>
  );
}

/** Documents: upload (drag and drop or picker) with progress and status until indexed, the list, delete. */
export function DocumentsPage() {
  usePageTitle('Documents');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [status, setStatus] = useState<Status | ''>('');
  const [limit, setLimit] = useState(50);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const focus = new URLSearchParams(location.search).get('focus');
  const uploadsRef = useRef(uploads);
  uploadsRef.current = uploads;

  const list = useResource(
    (signal) => api.get('/documents', { query: { limit, ...(status ? { status } : {}) }, signal }),
    [status, limit],
    5_000,
  );

  const patch = (key: number, change: Partial<Upload>) => setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)));

  // Follow each uploaded document until it is indexed or failed.
  useEffect(() => {
    const timer = setInterval(async () => {
      const pending = uploadsRef.current.filter((u) => u.document && !FINAL.has(u.state) && u.state !== 'uploading' && u.state !== 'rejected');
      for (const upload of pending) {
        try {
          const document = await api.get('/documents/{id}', { path: { id: upload.document!.id } });
          patch(upload.key, { document, state: document.status });
          if (FINAL.has(document.status)) void list.reload();
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) patch(upload.key, { state: 'rejected', message: 'The document was deleted.' });
        }
      }
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  async function send(files: File[]): Promise<void> {
    for (const file of files) {
      const key = ++uploadSeq;
      setUploads((all) => [{ key, name: file.name, size: file.size, progress: 0, state: 'uploading' }, ...all]);
      try {
        const result = await uploadDocument(file, (progress) => patch(key, { progress }));
        patch(key, { document: result.document, state: result.document.status, duplicate: result.duplicate, progress: 1 });
        void list.reload();
      } catch (err) {
        patch(key, { state: 'rejected', message: describeError(err) });
      }
    }
  }

  async function remove(document: DocumentDto): Promise<void> {
    const name = document.title || document.filename || document.id;
    if (!window.confirm(`Delete "${name}"? Its chunks and vectors are removed from memory.`)) return;
    setActionError(undefined);
    try {
      await api.delete('/documents/{id}', { path: { id: document.id } });
      await list.reload();
    } catch (err) {
      setActionError(describeError(err));
    }
  }

  return (
    <div class="page">
      <h1 id="page-title" tabIndex={-1}>
        Documents
      </h1>
      <section aria-labelledby="upload-heading">
        <h2 id="upload-heading">Add documents</h2>
        <div
          class={`dropzone ${dragging ? 'dragging' : ''}`}
          onDragEnter={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragOver={(event) => {
            event.preventDefault();
            if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
          }}
          onDragLeave={(event) => {
            if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
          }}
          onDrop={(event) => {
            event.preventDefault();
            setDragging(false);
            const files = [...(event.dataTransfer?.files ?? [])];
            if (files.length > 0) void send(files);
          }}
          data-testid="dropzone"
        >
          <p>Drop files here: plain text, Markdown, HTML or PDF.</p>
          <label class="button file-button">
            Choose files…
            <input
              type="file"
              multiple
              class="visually-hidden"
              accept=".txt,.text,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf"
              onChange={(event) => {
                const input = event.currentTarget;
                const files = [...(input.files ?? [])];
                input.value = '';
                if (files.length > 0) void send(files);
              }}
            />
          </label>
        </div>
        {uploads.length > 0 && (
          <ul class="uploads" aria-label="Uploads" aria-live="polite">
            {uploads.map((upload) => (
              <UploadRow key={upload.key} upload={upload} />
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="documents-heading">
        <div class="section-head">
          <h2 id="documents-heading">Stored documents {list.data && <span class="muted">({list.data.total})</span>}</h2>
          <label class="inline-field">
            Status{' '}
            <select value={status} onChange={(event) => setStatus(event.currentTarget.value as Status | '')}>
              <option value="">all</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorMessage error={actionError} />
        <ErrorMessage error={list.error} />
        {!list.data && !list.error && <Loading />}
        {list.data && list.data.documents.length === 0 && <p class="muted">No documents{status ? ` with status ${status}` : ''}.</p>}
        {list.data && list.data.documents.length > 0 && (
          <div class="table-wrap">
            <table class="data-table">
              <thead>
                <tr>
                  <th scope="col">Document</th>
                  <th scope="col">Type</th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Chunks
                  </th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.documents.map((document) => (
                  <tr key={document.id} class={document.id === focus ? 'focused' : undefined}>
                    <th scope="row">
                      {document.title || document.filename || document.id}
                      {document.title && document.filename && <div class="muted small">{document.filename}</div>}
                      {document.truncated && <div class="muted small">cut at the size limit</div>}
                    </th>
                    <td>{document.type}</td>
                    <td class="num">{formatBytes(document.sizeBytes)}</td>
                    <td>
                      <StateBadge state={document.status} />
                      {document.failureReason && <div class="error small">{document.failureReason}</div>}
                    </td>
                    <td class="num">{document.chunkCount}</td>
                    <td>{formatRelative(document.updatedAt)}</td>
                    <td>
                      <button type="button" class="danger small-button" onClick={() => void remove(document)} aria-label={`Delete ${document.title || document.filename || document.id}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {list.data && list.data.total > list.data.documents.length && (
          <button type="button" onClick={() => setLimit(Math.min(200, limit + 50))} disabled={limit >= 200}>
            Show more
          </button>
        )}
      </section>
    </div>
  );
}
