/**
 * Small SVG charts. Colours come from CSS classes (series-N) so that they follow the colour scheme;
 * every chart has a text equivalent (an aria-label, or a real table).
 */

export interface LineSeries {
  name: string;
  /** One value per time; undefined leaves a gap. */
  values: Array<number | undefined>;
}

const WIDTH = 300;
const HEIGHT = 90;

/** Polylines of the defined runs of `values`, scaled to the chart (a lone point becomes a short dash). */
function paths(values: Array<number | undefined>, count: number, max: number): string[] {
  const runs: Array<Array<[number, number]>> = [[]];
  values.forEach((value, i) => {
    if (value === undefined || !Number.isFinite(value)) {
      runs.push([]);
      return;
    }
    const x = count <= 1 ? WIDTH : (i / (count - 1)) * WIDTH;
    const y = HEIGHT - (Math.max(0, value) / max) * HEIGHT;
    runs.at(-1)?.push([x, y]);
  });
  return runs
    .filter((run) => run.length > 0)
    .map((run) => (run.length === 1 ? [[Math.max(0, run[0]![0] - 3), run[0]![1]] as [number, number], run[0]!] : run))
    .map((run) => run.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '));
}

/** A line chart over time, with its latest values in the legend. */
export function LineChart({
  title,
  series,
  format,
  spanLabel,
  minMax = 1,
}: {
  title: string;
  series: LineSeries[];
  format: (value: number) => string;
  /** e.g. "last 10 min" */
  spanLabel: string;
  /** The y axis reaches at least this value (so that a flat small line is not drawn as full scale). */
  minMax?: number;
}) {
  const count = Math.max(0, ...series.map((s) => s.values.length));
  const defined = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const max = Math.max(minMax, ...defined) * 1.1;
  const latest = series.map((s) => [...s.values].reverse().find((v) => v !== undefined && Number.isFinite(v)));
  const summary = series
    .map((s, i) => `${s.name}: ${latest[i] === undefined ? 'no data yet' : format(latest[i] as number)}`)
    .join('; ');
  return (
    <figure class="chart line-chart">
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="chart-legend">
          {series.map((s, i) => (
            <span key={s.name} class="legend-item">
              <span class={`swatch series-${i}`} aria-hidden="true" />
              {s.name} <strong>{latest[i] === undefined ? '–' : format(latest[i] as number)}</strong>
            </span>
          ))}
        </span>
      </figcaption>
      <div class="chart-area">
        <span class="axis-max" aria-hidden="true">
          {format(max / 1.1)}
        </span>
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={`${title}, ${spanLabel}: ${summary}`}>
          <line class="grid" x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} vector-effect="non-scaling-stroke" />
          <line class="grid" x1="0" y1={HEIGHT - HEIGHT / 1.1} x2={WIDTH} y2={HEIGHT - HEIGHT / 1.1} vector-effect="non-scaling-stroke" />
          {series.map((s, i) =>
            paths(s.values, count, max).map((points, j) => (
              <polyline key={`${s.name}-${j}`} class={`line series-${i}`} points={points} vector-effect="non-scaling-stroke" />
            )),
          )}
        </svg>
        <span class="axis-span" aria-hidden="true">
          {spanLabel}
        </span>
      </div>
    </figure>
  );
}

export interface BarRow {
  label: string;
  values: number[];
}

/** Horizontal bars in a real table (one row per item, one column per series): readable with or without the bars. */
export function BarChart({
  title,
  rowHeader,
  series,
  rows,
  format,
  empty = 'No data yet.',
}: {
  title: string;
  rowHeader: string;
  series: string[];
  rows: BarRow[];
  format: (value: number) => string;
  empty?: string;
}) {
  const max = Math.max(0, ...rows.flatMap((r) => r.values.filter(Number.isFinite)));
  const barHeight = 8;
  return (
    <figure class="chart bar-chart">
      <figcaption>
        <span class="chart-title">{title}</span>
        {series.length > 1 && (
          <span class="chart-legend" aria-hidden="true">
            {series.map((name, i) => (
              <span key={name} class="legend-item">
                <span class={`swatch series-${i}`} />
                {name}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      {rows.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{rowHeader}</th>
              <th scope="col" class="bars-col">
                <span class="visually-hidden">Bars</span>
              </th>
              {series.map((name) => (
                <th scope="col" class="num" key={name}>
                  {name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                <td class="bars-col" aria-hidden="true">
                  <svg viewBox={`0 0 100 ${series.length * barHeight}`} preserveAspectRatio="none">
                    {row.values.map((value, i) => (
                      <rect
                        key={i}
                        class={`bar series-${i}`}
                        x="0"
                        y={i * barHeight + 1}
                        height={barHeight - 2}
                        width={max > 0 && Number.isFinite(value) ? Math.max(0.5, (value / max) * 100) : 0}
                      />
                    ))}
                  </svg>
                </td>
                {row.values.map((value, i) => (
                  <td class="num" key={i}>
                    {format(value)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
