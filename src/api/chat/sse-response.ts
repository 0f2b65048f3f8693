import type { ServerResponse } from 'node:http';

/** Time between keep-alive comments, so that proxies and clients do not drop a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * A Server-Sent Events response on a raw Node response: named events with JSON data, keep-alive
 * comments while nothing is sent, and one end. Writes after the client went away are dropped.
 */
export class SseResponse {
  private readonly keepAlive: NodeJS.Timeout;
  private ended = false;

  constructor(private readonly raw: ServerResponse) {
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.flushHeaders();
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  /** `event: <name>` with the data as one JSON line. */
  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A data-only message (the OpenAI streaming format). */
  sendData(data: string): void {
    this.write(`data: ${data}\n\n`);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    if (!this.raw.writableEnded && !this.raw.destroyed) this.raw.end();
  }

  private write(chunk: string): void {
    if (this.ended || this.raw.writableEnded || this.raw.destroyed) return;
    this.raw.write(chunk);
  }
}
