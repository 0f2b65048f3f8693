// The documents API as benchmarks drive it: submit many documents, wait until they are indexed,
// read them back. Every request and every wait has a time limit.
import { getJson } from './tars-http.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** POST /documents as JSON; the new document's id (throws unless 202). */
export async function postDocument(baseUrl, headers, doc) {
  const res = await fetch(`${baseUrl}/documents`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(doc),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status !== 202) throw new Error(`POST /documents answered ${res.status}: ${JSON.stringify(body)}`);
  return body.document.id;
}

/** Posts every document, `concurrency` at a time; `{ id -> client time (ms since epoch) just before its POST }`. */
export async function submitAll(baseUrl, headers, docs, concurrency) {
  const submittedAt = new Map();
  let next = 0;
  const worker = async () => {
    while (next < docs.length) {
      const doc = docs[next++];
      const at = Date.now();
      submittedAt.set(await postDocument(baseUrl, headers, doc), at);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return submittedAt;
}

/** How many documents have this status. */
export const countWith = async (baseUrl, headers, status) => (await getJson(`${baseUrl}/documents?status=${status}&limit=1`, headers)).total;

/** Polls until `expected` documents in all are indexed or failed, or the deadline passes. */
export async function waitUntilDone(baseUrl, headers, expected, deadline, pollMs = 500) {
  for (;;) {
    const [indexed, failed] = await Promise.all([countWith(baseUrl, headers, 'indexed'), countWith(baseUrl, headers, 'failed')]);
    if (indexed + failed >= expected) return { indexed, failed, timedOut: false };
    if (Date.now() > deadline) return { indexed, failed, timedOut: true };
    await sleep(pollMs);
  }
}

/** Every document through GET /documents, 200 per page. */
export async function listAll(baseUrl, headers) {
  const all = [];
  for (let offset = 0; offset < 100_000; offset += 200) {
    const page = await getJson(`${baseUrl}/documents?limit=200&offset=${offset}`, headers);
    all.push(...page.documents);
    if (all.length >= page.total || page.documents.length === 0) break;
  }
  return all;
}
