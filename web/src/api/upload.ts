import { ApiError, type Schemas } from './client';
import { session } from './session';

export type SubmitDocumentResult = Schemas['SubmitDocumentResultDto'];

/**
 * Uploads a file to POST /documents (multipart, field `file`). XMLHttpRequest rather than fetch
 * because only it reports upload progress. Resolves with the queued (or already stored) document.
 */
export function uploadDocument(file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<SubmitDocumentResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/documents');
    const key = session.key;
    if (key) xhr.setRequestHeader('authorization', `Bearer ${key}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload failed: TARS did not answer.'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as unknown as SubmitDocumentResult);
        return;
      }
      const message = typeof body.message === 'string' ? body.message : `HTTP ${xhr.status}`;
      const error = new ApiError(xhr.status, typeof body.code === 'string' ? body.code : `http_${xhr.status}`, message);
      if (xhr.status === 401) session.signOut(`TARS refused your API key (${message}). Sign in again with a valid key.`);
      reject(error);
    };
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
