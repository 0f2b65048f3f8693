import type { Command } from 'commander';
import type { ClusterNodeDto, ClusterNodesDto } from '../contracts/monitoring/cluster.dto.js';
import { ApiClient } from './api-client.js';
import { resolveConnection, type Connection } from './chat/connection.js';
import { formatTable } from './load/table.js';

/** Exit codes of `tars health`: ready (every node up with --cluster), not ready, no node answers. */
/** 2 is taken: every `tars` command exits 2 on a configuration error. */
export const HEALTH_EXIT = { ok: 0, notOk: 1, unreachable: 3 } as const;

interface HealthOptions {
  url?: string;
  apiKey?: string;
  config?: string;
  cluster?: boolean;
  json?: boolean;
}

/** One check of /health/ready as Terminus reports it: `status` plus what the check measured. */
type CheckReport = { status?: string } & Record<string, unknown>;

interface Readiness {
  status?: string;
  details?: Record<string, CheckReport>;
}

interface NodeInfo {
  node: string;
  roles: string[];
  version: string;
  uptimeSeconds: number;
}

export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description("this node's readiness checks (exit 0 ready, 1 not ready, 3 no answer; 2 is a configuration error); --cluster: every node and its state")
    .option('--url <url>', 'the node to ask (default: TARS_URL, url in cli.yaml, else the node config)')
    .option('--api-key <key>', 'for --cluster, a key with the read scope (default: TARS_API_KEY, apiKey in cli.yaml, else <dataDir>/admin.key)')
    .option('-c, --config <file>', 'a node config file (default: TARS_CONFIG): its address and admin key, when not given otherwise')
    .option('--cluster', 'the cluster view instead (GET /cluster/nodes): exit 0 when every node is up, 1 otherwise')
    .option('--json', 'print the answer as JSON')
    .action(async (opts: HealthOptions) => {
      const connection = resolveConnection(opts, process.env);
      process.exitCode = opts.cluster ? await clusterHealth(connection, Boolean(opts.json)) : await nodeHealth(connection, Boolean(opts.json));
    });
}

/** `tars health`: the node's /health/ready, one line per check. */
async function nodeHealth(connection: Connection, json: boolean): Promise<number> {
  let readiness: { status: number; body: Readiness };
  let info: NodeInfo | undefined;
  try {
    [readiness, info] = await Promise.all([getJson<Readiness>(connection.url, '/health/ready'), nodeInfo(connection.url)]);
  } catch (err) {
    return unreachable(connection, err, json);
  }
  const ready = readiness.status === 200;
  const checks = readiness.body?.details ?? {};
  if (json) {
    console.log(JSON.stringify({ url: connection.url, ready, status: readiness.body?.status ?? null, node: info ?? null, checks }, null, 2));
    return ready ? HEALTH_EXIT.ok : HEALTH_EXIT.notOk;
  }
  const who = info ? `${info.node} (${info.roles.join(', ')}) ${info.version}, up ${formatDuration(info.uptimeSeconds)}` : 'TARS';
  const verdict = ready ? 'ready' : readiness.status === 503 ? 'NOT READY' : `answered ${readiness.status}`;
  console.log(`${who} at ${connection.url}: ${verdict}`);
  const rows = Object.entries(checks).map(([name, { status, ...measured }]) => [name, String(status ?? '?'), describeMeasures(measured)]);
  if (rows.length > 0) console.log(indent(formatTable(['CHECK', 'STATUS', 'DETAIL'], rows)));
  return ready ? HEALTH_EXIT.ok : HEALTH_EXIT.notOk;
}

/** `tars health --cluster`: the cluster view as a table. */
async function clusterHealth(connection: Connection, json: boolean): Promise<number> {
  if (!connection.apiKey) {
    throw new Error('no API key for the cluster view: pass --api-key, set TARS_API_KEY, or give the node config (--config) whose admin.key to use');
  }
  const client = new ApiClient(connection.url, connection.apiKey);
  if (!(await client.isUp())) return unreachable(connection, new Error('no answer to /health/live'), json);
  let view: ClusterNodesDto;
  try {
    view = await client.request<ClusterNodesDto>('GET', '/cluster/nodes');
  } catch (err) {
    console.error(`tars: ${(err as Error).message}`);
    return HEALTH_EXIT.notOk;
  }
  const allUp = view.nodes.length > 0 && view.nodes.every((n) => n.state === 'up');
  if (json) {
    console.log(JSON.stringify(view, null, 2));
    return allUp ? HEALTH_EXIT.ok : HEALTH_EXIT.notOk;
  }
  const count = (state: string) => view.nodes.filter((n) => n.state === state).length;
  console.log(
    `cluster as seen by ${view.observer} at ${view.generatedAt}: ${view.nodes.length} node(s), ` +
      `${count('up')} up, ${count('suspect')} suspect, ${count('down')} down`,
  );
  const header = ['NODE', 'STATE', 'ROLES', 'VERSION', 'UPTIME', 'LAST SEEN', 'LOAD', 'CPU', 'QUEUES'];
  console.log(formatTable(header, view.nodes.map(nodeRow), new Set([4, 5, 6, 7])));
  return allUp ? HEALTH_EXIT.ok : HEALTH_EXIT.notOk;
}

function nodeRow(node: ClusterNodeDto): string[] {
  const state = node.stopping ? `${node.state} (stopped)` : node.state;
  const queues = node.queues.map((q) => `${q.name} ${q.pending < 0 ? '?' : q.pending}`).join(', ');
  return [
    node.node,
    state,
    node.roles.join(','),
    node.version,
    node.state === 'down' ? '-' : formatDuration(node.uptimeSeconds),
    `${formatDuration(node.secondsSinceLastSeen)} ago`,
    typeof node.load.loadAverage1m === 'number' ? node.load.loadAverage1m.toFixed(2) : '-',
    typeof node.load.processCpuPercent === 'number' ? `${Math.round(node.load.processCpuPercent)}%` : '-',
    queues || '-',
  ];
}

async function getJson<T>(baseUrl: string, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, baseUrl), { signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body: body as T };
}

/** Name, roles and version for the first line; the readiness answer stands without them. */
async function nodeInfo(baseUrl: string): Promise<NodeInfo | undefined> {
  const answer = await getJson<NodeInfo>(baseUrl, '/health').catch(() => undefined);
  return answer?.status === 200 && answer.body?.node ? answer.body : undefined;
}

function unreachable(connection: Connection, err: unknown, json: boolean): number {
  const reason = describeFailure(err);
  if (json) console.log(JSON.stringify({ url: connection.url, reachable: false, error: reason }, null, 2));
  else console.error(`tars: no TARS node answers at ${connection.url} (from ${connection.urlFrom}): ${reason}`);
  return HEALTH_EXIT.unreachable;
}

/** fetch hides the socket error (ECONNREFUSED…) in `cause`. */
function describeFailure(err: unknown): string {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  const cause = error?.cause?.code ?? error?.cause?.message;
  return cause ? `${error.message} (${cause})` : (error?.message ?? String(err));
}

/** `latencyMs 2, freePercent 41.2`, nested values as JSON. */
function describeMeasures(measured: Record<string, unknown>): string {
  return Object.entries(measured)
    .map(([key, value]) => `${key} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

/** 42 s, 5 min 3 s, 2 h 10 min, 3 d 4 h */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Math.max(0, Math.round(seconds * 10) / 10)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
