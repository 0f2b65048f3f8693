import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../api/client';
import { LineChart } from '../components/charts';
import { formatMs, formatNumber } from '../lib/format';
import { ClusterHistory, type ClusterPoint, type Rates } from '../lib/cluster-rates';

const POINTS = 120;
const CLUSTER = '';

/**
 * Charts over the last minutes, for the whole cluster or one node, from the totals each node's
 * heartbeat carries (GET /cluster/nodes, polled by the page): counters are differenced between a
 * node's heartbeats, so no node is scraped. The history lives in this page only.
 */
export function ClusterCharts({ nodes, pollMs }: { nodes: Schemas['ClusterNodesDto'] | undefined; pollMs: number }) {
  const history = useRef(new ClusterHistory(POINTS));
  const [points, setPoints] = useState<ClusterPoint[]>([]);
  const [scope, setScope] = useState(CLUSTER);

  useEffect(() => {
    if (!nodes) return;
    history.current.add(Date.parse(nodes.generatedAt), nodes.nodes);
    setPoints([...history.current.points]);
  }, [nodes]);

  const names = nodes?.nodes.map((n) => n.node) ?? [];
  const shown = scope === CLUSTER || names.includes(scope) ? scope : CLUSTER;
  const minutes = points.length < 2 ? 0 : (points.at(-1)!.at - points[0]!.at) / 60_000;
  const span = `last ${Math.max(1, Math.round(minutes))} min, every ${pollMs / 1000} s`;
  const series = (key: keyof Rates, scale = 1) =>
    points.map((p) => {
      const value = shown === CLUSTER ? p.cluster[key] : p.nodes[shown]?.[key];
      return value === undefined ? undefined : value * scale;
    });
  const hasRates = points.some((p) => p.cluster.requestRate !== undefined);

  return (
    <section aria-labelledby="charts-heading">
      <div class="section-head">
        <h2 id="charts-heading">Over time</h2>
        <label class="inline-field">
          Show{' '}
          <select value={shown} onChange={(event) => setScope(event.currentTarget.value)}>
            <option value={CLUSTER}>the whole cluster{names.length > 1 ? ` (${names.length} nodes)` : ''}</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p class="muted small">
        From the totals in each node's heartbeat, differenced between heartbeats (a restarted node starts again from its next heartbeat).
        The whole cluster adds up the nodes that are not down; latency and hit rate are weighted by requests and look-ups; a queue that
        several nodes consume counts once.
      </p>
      {!hasRates && <p class="muted">Rates appear after each node's second heartbeat.</p>}
      <div class="grid charts">
        <LineChart title="Request rate" series={[{ name: 'requests/s', values: series('requestRate') }]} format={(v) => `${formatNumber(v, 2)}/s`} spanLabel={span} />
        <LineChart title="Mean latency" series={[{ name: 'mean', values: series('latencyMeanMs') }]} format={formatMs} spanLabel={span} minMax={10} />
        <LineChart title="Queue depth" series={[{ name: 'jobs waiting', values: series('queueDepth') }]} format={(v) => formatNumber(v, 0)} spanLabel={span} />
        <LineChart
          title="Embedding-cache hit rate"
          series={[{ name: 'hits', values: series('cacheHitRate', 100) }]}
          format={(v) => `${formatNumber(v, 1)} %`}
          spanLabel={span}
          minMax={100}
        />
        <LineChart title="LLM tokens/s" series={[{ name: 'tokens/s', values: series('llmTokensPerSecond') }]} format={(v) => formatNumber(v, 1)} spanLabel={span} />
      </div>
    </section>
  );
}
