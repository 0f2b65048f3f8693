import type { components, paths } from './schema';
import { session } from './session';

/** The API's DTOs, by name (generated from the OpenAPI document: see scripts/openapi.mjs). */
export type Schemas = components['schemas'];

/** An error answer of the API ({statusCode, code, message, fields}), or a failure to reach it (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'get' | 'post' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : undefined;
type Success<O> = O extends { responses: infer R } ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]> : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Q : never;
type PathOf<O> = O extends { parameters: { path: infer P } } ? P : never;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type PathsWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];

export interface RequestOptions<O> {
  query?: QueryOf<O>;
  path?: PathOf<O>;
  body?: BodyOf<O>;
  signal?: AbortSignal;
  /** Use this key instead of the session's, and do not sign out on 401 (the sign-in form's check). */
  key?: string;
}

/** `/documents/{id}` with `{id}` filled in, plus the query string. */
export function buildUrl(template: string, path?: unknown, query?: unknown): string {
  let url = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (path as Record<string, unknown> | undefined)?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  const search = params.toString();
  if (search) url += `?${search}`;
  return url;
}

/** The error a failed response carries, whatever its shape. */
export async function errorFrom(response: Response): Promise<ApiError> {
  let body: { message?: unknown; code?: unknown; fields?: unknown } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON: keep the status text
  }
  const message = Array.isArray(body.message) ? body.message.join('; ') : typeof body.message === 'string' ? body.message : response.statusText;
  let text = message || `HTTP ${response.status}`;
  if (response.status === 429) {
    const retry = response.headers.get('retry-after');
    text = `Too many requests for this API key${retry ? `: try again in ${retry} s` : ''}. ${message ?? ''}`.trim();
  }
  return new ApiError(
    response.status,
    typeof body.code === 'string' ? body.code : `http_${response.status}`,
    text,
    Array.isArray(body.fields) ? body.fields.map(String) : [],
  );
}

/** What to tell the user when the key was refused mid-session. */
function refused(error: ApiError): void {
  session.signOut(`TARS refused your API key (${error.message}). Sign in again with a valid key.`);
}

/** Headers with the key (and JSON when there is a body). */
export function authHeaders(key: string | undefined, json: boolean): Record<string, string> {
  return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}), accept: 'application/json' };
}

/** fetch with the session's key; 401 signs out (unless a key was given); failures become ApiError. */
export async function send(method: string, url: string, options: { body?: unknown; signal?: AbortSignal; key?: string; accept?: string } = {}): Promise<Response> {
  const key = options.key ?? session.key;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...authHeaders(key, options.body !== undefined), ...(options.accept ? { accept: options.accept } : {}) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'TARS did not answer: the node may be down or the network unreachable.');
  }
  if (response.ok) return response;
  const error = await errorFrom(response);
  if (response.status === 401 && options.key === undefined) refused(error);
  throw error;
}

async function call<T>(method: Method, template: string, options: RequestOptions<unknown>): Promise<T> {
  const response = await send(method.toUpperCase(), buildUrl(template, options.path, options.query), options);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The REST API, typed by its OpenAPI document: `api.get('/documents/{id}', { path: { id } })`. */
export const api = {
  get<P extends PathsWith<'get'>>(path: P, options: RequestOptions<Operation<P, 'get'>> = {}): Promise<Success<Operation<P, 'get'>>> {
    return call('get', path, options as RequestOptions<unknown>);
  },
  post<P extends PathsWith<'post'>>(path: P, options: RequestOptions<Operation<P, 'post'>> = {}): Promise<Success<Operation<P, 'post'>>> {
    return call('post', path, options as RequestOptions<unknown>);
  },
  delete<P extends PathsWith<'delete'>>(path: P, options: RequestOptions<Operation<P, 'delete'>> = {}): Promise<Success<Operation<P, 'delete'>>> {
    return call('delete', path, options as RequestOptions<unknown>);
  },
};

/** A message for any error, for the user. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 403) return `${err.message}. Use a key with that scope.`;
    if (err.status === 503 && err.code !== 'network') return `${err.message} (service unavailable)`;
    return err.fields.length > 0 && !err.message.includes(err.fields[0] ?? '') ? `${err.message}: ${err.fields.join('; ')}` : err.message;
  }
  if (err instanceof DOMException && err.name === 'AbortError') return 'Cancelled.';
  return err instanceof Error ? err.message : String(err);
}
