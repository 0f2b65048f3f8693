import { useState } from 'preact/hooks';
import { api, describeError, type Schemas } from '../api/client';
import { ErrorMessage, Loading, StateBadge } from '../components/ui';
import { formatBytes, formatDate, formatMs, formatNumber, formatRelative, formatSeconds } from '../lib/format';
import { usePageTitle, useResource } from '../lib/hooks';
import { ClusterCharts } from './cluster-charts';

type ClusterNodes = Schemas['ClusterNodesDto'];
type ClusterNode = Schemas['ClusterNodeDto'];
type Job = Schemas['JobDto'];
type Alert = Schemas['AlertDto'];

const POLL_MS = 5_000;

function NodeRow({ node }: { node: ClusterNode }) {
  const { load } = node;
  return (
    <tr data-node={node.node} data-state={node.state}>
      <th scope="row">{node.node}</th>
      <td>
        <StateBadge state={node.state} />
        {node.stopping && <div class="muted small">stopped on purpose</div>}
        {node.stateSince && <div class="muted small">since {formatRelative(node.stateSince)}</div>}
      </td>
      <td>{node.roles.join(', ')}</td>
      <td>{node.version}</td>
      <td>{formatSeconds(node.uptimeSeconds)}</td>
      <td>{formatSeconds(node.secondsSinceLastSeen)} ago</td>
      <td class="small">
        {formatNumber(load.loadAverage1m, 2)} / {formatNumber(load.cpuCount, 0)} CPU
        <div class="muted">
          process {formatNumber(load.processCpuPercent, 0)} %, lag {formatMs(load.eventLoopLagMs)}
        </div>
      </td>
      <td class="small">
        RSS {formatBytes(load.rssBytes)}
        <div class="muted">
          {formatBytes(load.memoryAvailableBytes)} of {formatBytes(load.memoryTotalBytes)} free
        </div>
      </td>
      <td class="small">
        {formatNumber(node.disk.freePercent, 1)} %<div class="muted">{formatBytes(node.disk.freeBytes)}</div>
      </td>
      <td class="small">
        {node.queues.length === 0
          ? '–'
          : node.queues.map((q) => (
              <div key={q.name} title={q.problem}>
                {q.name}: {q.pending < 0 ? 'unknown' : q.pending}
                {q.problem && <span class="error"> ⚠ {q.problem}</span>}
              </div>
            ))}
      </td>
      <td class="small">
        {formatNumber(node.http.requests, 0)} ({formatNumber(node.http.serverErrors, 0)})
      </td>
    </tr>
  );
}

function Nodes({ nodes }: { nodes: ClusterNodes }) {
  return (
    <section aria-labelledby="nodes-heading">
      <h2 id="nodes-heading">Nodes</h2>
      <p class="muted small">
        As seen by {nodes.observer} at {formatDate(nodes.generatedAt)}, from the heartbeat each node sends.
      </p>
      <div class="table-wrap">
        <table class="data-table" data-testid="cluster-nodes">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">State</th>
              <th scope="col">Roles</th>
              <th scope="col">Version</th>
              <th scope="col">Uptime</th>
              <th scope="col">Last seen</th>
              <th scope="col">Load</th>
              <th scope="col">Memory</th>
              <th scope="col">Disk free</th>
              <th scope="col">Queues</th>
              <th scope="col">HTTP (5xx)</th>
            </tr>
          </thead>
          <tbody>
            {nodes.nodes.map((node) => (
              <NodeRow key={node.node} node={node} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Each node's readiness checks, as its last heartbeat carried them. */
function NodeReadiness({ nodes }: { nodes: ClusterNodes }) {
  return (
    <section aria-labelledby="readiness-heading">
      <h2 id="readiness-heading">Readiness per node</h2>
      <ul class="cards readiness-cards">
        {nodes.nodes.map((node) => {
          const readiness = node.readiness;
          const checks = Object.entries(readiness?.checks ?? {});
          return (
            <li key={node.node} class="card" data-testid="node-readiness" data-node={node.node}>
              <h3 class="card-title">
                {node.node}{' '}
                {readiness ? (
                  <StateBadge state={readiness.ready ? 'ok' : 'down'} label={readiness.ready ? 'ready' : 'not ready'} />
                ) : (
                  <StateBadge state="unknown" label="not reported" />
                )}
              </h3>
              {node.state !== 'up' && <p class="muted small">As of its last heartbeat, {formatSeconds(node.secondsSinceLastSeen)} ago.</p>}
              <ul class="checks">
                {checks.map(([name, check]) => (
                  <li key={name} data-check={name} data-status={check.status}>
                    <strong>{name}</strong> <StateBadge state={check.status} />
                    {check.message && <span class="muted small"> {check.message}</span>}
                  </li>
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

interface Readiness {
  status: string;
  details?: Record<string, { status?: string } & Record<string, unknown>>;
}

/** GET /health/ready answers 503 with the same body when a check is down: read it either way. */
async function readiness(signal: AbortSignal): Promise<{ ready: boolean; body: Readiness }> {
  const response = await fetch('/health/ready', { signal, headers: { accept: 'application/json' }, cache: 'no-store' });
  return { ready: response.ok, body: (await response.json()) as Readiness };
}

function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([key]) => key !== 'status')
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

/** This node's own checks: shown when the cluster view cannot be read (no monitoring node answers). */
function ThisNodeReadiness() {
  const ready = useResource(readiness, [], 10_000);
  const details = Object.entries(ready.data?.body.details ?? {});
  return (
    <section aria-labelledby="ready-heading">
      <h2 id="ready-heading">
        Readiness of this node {ready.data && <StateBadge state={ready.data.ready ? 'ok' : 'down'} label={ready.data.ready ? 'ready' : 'not ready'} />}
      </h2>
      <ErrorMessage error={ready.error} />
      {!ready.data && !ready.error && <Loading />}
      <ul class="checks">
        {details.map(([name, detail]) => (
          <li key={name}>
            <strong>{name}</strong> <StateBadge state={String(detail.status ?? 'unknown')} /> <span class="muted small">{describeDetail(detail)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function AlertItem({ alert }: { alert: Alert }) {
  return (
    <li class="alert-item" data-state={alert.state}>
      <StateBadge state={alert.state} /> <strong>{alert.rule.replace(/_/g, ' ')}</strong> {alert.subject}: {alert.message}
      <div class="muted small">
        fired {formatRelative(alert.firedAt)} by {alert.firedBy}
        {alert.resolvedAt && ` · resolved ${formatRelative(alert.resolvedAt)}${alert.resolvedBy ? ` by ${alert.resolvedBy}` : ''}`}
        {alert.resolution && ` · ${alert.resolution}`}
      </div>
    </li>
  );
}

function Alerts() {
  const alerts = useResource((signal) => api.get('/alerts', { query: { recent: 20 }, signal }), [], POLL_MS);
  return (
    <section aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alerts</h2>
      <ErrorMessage error={alerts.error} />
      {!alerts.data && !alerts.error && <Loading />}
      {alerts.data && (
        <>
          <h3>Active</h3>
          {alerts.data.active.length === 0 ? (
            <p class="muted">No alert is firing.</p>
          ) : (
            <ul class="alerts" aria-live="polite">
              {alerts.data.active.map((alert) => (
                <AlertItem key={alert.id} alert={alert} />
              ))}
            </ul>
          )}
          <details>
            <summary>Recently resolved ({alerts.data.recent.length})</summary>
            <ul class="alerts">
              {alerts.data.recent.map((alert) => (
                <AlertItem key={alert.id} alert={alert} />
              ))}
            </ul>
          </details>
        </>
      )}
    </section>
  );
}

function Jobs() {
  const jobs = useResource((signal) => api.get('/jobs', { signal }), [], POLL_MS);
  const runs = useResource((signal) => api.get('/jobs/runs', { query: { limit: 10 }, signal }), [], POLL_MS);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>(undefined);

  async function runNow(job: Job): Promise<void> {
    setMessage(undefined);
    try {
      const run = await api.post('/jobs/{name}/run', { path: { name: job.name } });
      setMessage({ text: `${job.name} started on ${run.node}.`, error: false });
      await Promise.all([jobs.reload(), runs.reload()]);
    } catch (err) {
      setMessage({ text: `${job.name} did not start: ${describeError(err)}`, error: true });
    }
  }

  return (
    <section aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Scheduled jobs</h2>
      <ErrorMessage error={jobs.error} />
      {message && (message.error ? <ErrorMessage error={message.text} /> : <p role="status">{message.text}</p>)}
      {!jobs.data && !jobs.error && <Loading />}
      {jobs.data && (
        <div class="table-wrap">
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Schedule</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.jobs.map((job) => (
                <tr key={job.name}>
                  <th scope="row">
                    {job.name}
                    <div class="muted small">{job.description}</div>
                  </th>
                  <td class="small">
                    <code>{job.cron}</code> ({job.timezone})
                  </td>
                  <td class="small">{job.nextRunAt ? formatRelative(job.nextRunAt) : 'not scheduled here'}</td>
                  <td class="small">
                    {job.running && <StateBadge state="running" />}
                    {job.lastRun ? (
                      <>
                        <StateBadge state={job.lastRun.state} /> {formatRelative(job.lastRun.startedAt)} on {job.lastRun.node}
                        {job.lastRun.durationMs !== undefined && `, ${formatMs(job.lastRun.durationMs)}`}
                        {job.lastRun.error && <div class="error">{job.lastRun.error}</div>}
                      </>
                    ) : (
                      !job.running && 'never'
                    )}
                  </td>
                  <td>
                    <button type="button" onClick={() => void runNow(job)} disabled={job.running} aria-label={`Run ${job.name} now`}>
                      Run now
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details>
        <summary>Recent runs {runs.data && `(${runs.data.total})`}</summary>
        <ErrorMessage error={runs.error} />
        <ul class="runs">
          {runs.data?.items.map((run) => (
            <li key={run.id}>
              <StateBadge state={run.state} /> <strong>{run.job}</strong> ({run.trigger}) on {run.node}, {formatRelative(run.startedAt)}
              {run.durationMs !== undefined && `, ${formatMs(run.durationMs)}`}
              {run.error && <div class="error small">{run.error}</div>}
              {Object.keys(run.summary).length > 0 && <div class="muted small">{describeDetail(run.summary)}</div>}
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}

/** The cluster: nodes, their readiness, alerts, jobs, and charts over time from the nodes' heartbeats. */
export function ClusterPage() {
  usePageTitle('Cluster');
  const nodes = useResource((signal) => api.get('/cluster/nodes', { signal }), [], POLL_MS);
  return (
    <div class="page">
      <h1 id="page-title" tabIndex={-1}>
        Cluster
      </h1>
      <ErrorMessage error={nodes.error && `The cluster view could not be read: ${nodes.error}`} />
      {!nodes.data && !nodes.error && <Loading />}
      {nodes.data && <Nodes nodes={nodes.data} />}
      {nodes.data && <NodeReadiness nodes={nodes.data} />}
      {!nodes.data && nodes.error && <ThisNodeReadiness />}
      <Alerts />
      <Jobs />
      <ClusterCharts nodes={nodes.data} pollMs={POLL_MS} />
    </div>
  );
}
