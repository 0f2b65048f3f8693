import { Fragment } from 'preact';
import { api } from '../api/client';
import { BarChart } from '../components/charts';
import { ErrorMessage, Loading } from '../components/ui';
import { formatMs, formatNumber } from '../lib/format';
import { usePageTitle, useResource } from '../lib/hooks';

const STATE_ORDER = ['pending', 'generating', 'scoring', 'retrying', 'validated', 'low_quality', 'failed'];

/** Question pipeline statistics: latency per stage (P50/P95/P99), error mix, states, regenerations. */
export function QuestionStatsPage() {
  usePageTitle('Question statistics');
  const stats = useResource((signal) => api.get('/questions/stats', { signal }), [], 10_000);
  const s = stats.data;
  const states = s
    ? Object.entries(s.states).sort(([a], [b]) => (STATE_ORDER.indexOf(a) + 1 || 99) - (STATE_ORDER.indexOf(b) + 1 || 99))
    : [];
  const count = (value: number) => formatNumber(value, 0);
  return (
    <div class="page">
      <div class="section-head">
        <h1 id="page-title" tabIndex={-1}>
          Question statistics
        </h1>
        <button type="button" onClick={() => void stats.reload()} disabled={stats.loading}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={stats.error} />
      {!s && !stats.error && <Loading />}
      {s && (
        <div class="grid">
          <BarChart
            title="Latency per stage"
            rowHeader="Stage"
            series={['P50', 'P95', 'P99']}
            rows={s.latencyByStage.map((stage) => ({ label: `${stage.stage} (${stage.count})`, values: [stage.p50, stage.p95, stage.p99] }))}
            format={formatMs}
            empty="No question has been answered yet."
          />
          <BarChart
            title="Error mix (failed attempts by type)"
            rowHeader="Error type"
            series={['Attempts']}
            rows={s.errors.map((e) => ({ label: e.errorType, values: [e.count] }))}
            format={count}
            empty="No failed attempt."
          />
          <BarChart title="Questions per state" rowHeader="State" series={['Questions']} rows={states.map(([state, n]) => ({ label: state.replace(/_/g, ' '), values: [n] }))} format={count} empty="No questions yet." />
          <section class="panel" aria-labelledby="regen-heading">
            <h2 id="regen-heading" class="chart-title">
              Regenerations
            </h2>
            <dl class="facts">
              <dt>Regenerated at least once</dt>
              <dd>{s.regenerations.regenerated}</dd>
              <dt>Then validated</dt>
              <dd>{s.regenerations.validated}</dd>
              <dt>Kept as low quality</dt>
              <dd>{s.regenerations.lowQuality}</dd>
              <dt>Mean first score</dt>
              <dd>{formatNumber(s.regenerations.meanFirstScore, 3)}</dd>
              <dt>Mean best score</dt>
              <dd>{formatNumber(s.regenerations.meanBestScore, 3)}</dd>
              {Object.entries(s.answersBySource).map(([source, n]) => (
                <Fragment key={source}>
                  <dt>Answers from {source}</dt>
                  <dd>{n}</dd>
                </Fragment>
              ))}
            </dl>
          </section>
        </div>
      )}
    </div>
  );
}
