// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test answers are inspected field by field
type Json = any;

/** fetch with a JSON body and a key; returns status, headers and the parsed body. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: Json; headers: Headers; elapsedMs: number }> {
  const started = Date.now();
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.body !== undefined || options.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: response.status, body, headers: response.headers, elapsedMs: Date.now() - started };
}
