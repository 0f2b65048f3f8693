/** A small client of a running node's REST API, used by CLI commands. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const message = (data as { message?: string } | undefined)?.message ?? response.statusText;
      throw new Error(`${method} ${path} answered ${response.status}: ${message}`);
    }
    return data as T;
  }

  /** True when a TARS node answers /health/live at this URL. */
  async isUp(): Promise<boolean> {
    try {
      const response = await fetch(new URL('/health/live', this.baseUrl), { signal: AbortSignal.timeout(1500) });
      return response.ok;
    } catch {
      return false;
    }
  }
}
