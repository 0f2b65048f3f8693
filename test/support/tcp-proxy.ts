import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './tars-process.js';

/**
 * How a cut proxy treats new connections: `refuse` stops listening (the client gets ECONNREFUSED at
 * once), `blackhole` accepts them and never answers (the client waits for its own time-out).
 */
export type CutMode = 'refuse' | 'blackhole';

/**
 * A TCP proxy on a free loopback port in front of a service (the machine's PostgreSQL), which a test
 * can cut — every open connection is destroyed and new ones are refused or held unanswered — and
 * restore. The service itself is never touched.
 */
export class TcpProxy {
  private server?: Server;
  private readonly open = new Set<Socket>();
  private held: Socket[] = [];
  private mode: CutMode | undefined;
  /** Connections accepted since start, forwarded or not. */
  accepted = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), target);
    await proxy.listen();
    return proxy;
  }

  /** Whether the proxy forwards new connections now. */
  get forwarding(): boolean {
    return this.mode === undefined;
  }

  /** Connections being forwarded now. */
  get connections(): number {
    return this.open.size;
  }

  /** Destroys every open connection and refuses (or holds) new ones until restore(). */
  async cut(mode: CutMode = 'refuse'): Promise<void> {
    this.mode = mode;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    if (mode === 'refuse') await this.unlisten();
    else if (!this.server) await this.listen();
  }

  /** Forwards new connections again (held ones are closed: their clients retry). */
  async restore(): Promise<void> {
    this.mode = undefined;
    for (const socket of this.held) socket.destroy();
    this.held = [];
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    this.mode = 'refuse';
    for (const socket of [...this.open, ...this.held]) socket.destroy();
    this.open.clear();
    this.held = [];
    await this.unlisten();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.mode === 'blackhole') {
      this.held.push(client);
      return;
    }
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      this.open.delete(client);
      this.open.delete(upstream);
    });
    upstream.on('close', () => client.destroy());
    this.open.add(client);
    this.open.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
