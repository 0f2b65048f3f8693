import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { ALERT_RULES, type AlertDto } from '../../../contracts/monitoring/alert.dto.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { ClusterView, type KnownNode } from '../cluster/cluster-view.js';
import { formatDuration } from './alert-condition.js';
import { evaluateRules } from './alert-rules.js';
import { AlertStore } from './alert-store.js';
import { AlertWebhook, type ClusterSummary } from './alert-webhook.js';
import { HttpErrorWindow } from './http-error-window.js';

/** What one evaluation changed, as won by this node (another monitoring node may have won the rest). */
export interface EvaluationResult {
  fired: AlertDto[];
  resolved: AlertDto[];
}

/**
 * Evaluates the alert rules over the cluster view every `monitoring.alerts.evaluateIntervalMs` on
 * each node with the monitoring module. Transitions go through the AlertStore, so that with several
 * monitoring nodes each one is logged (a warning when firing, info when resolved) and posted to the
 * webhook by exactly the node that made it.
 *
 * Warm-up: after start, and after this process was stalled (a tick much later than planned), it
 * waits one suspect period (`monitoring.suspectAfterMs`, longer than a heartbeat interval) before
 * judging anything. By then every live node has been heard, so the view is complete: a node not in
 * it is not "fine", and a node shown as silent is not silent only because this observer was not
 * listening. (Only error counters are sampled meanwhile.)
 */
@Injectable()
export class AlertEvaluator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('alerts');
  private readonly httpWindow: HttpErrorWindow;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastTickAt?: number;
  /** Epoch ms from which ticks judge (see warm-up). */
  private judgeFrom = 0;
  private failing = false;

  constructor(
    private readonly config: TarsConfig,
    private readonly view: ClusterView,
    private readonly store: AlertStore,
    private readonly webhook: AlertWebhook,
    private readonly metrics: MetricsService,
  ) {
    this.httpWindow = new HttpErrorWindow(config.monitoring.alerts.rules.errorRate.windowMs);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Starts the periodic evaluation (after a warm-up). */
  start(now = Date.now()): void {
    this.judgeFrom = now + this.config.monitoring.suspectAfterMs;
    this.lastTickAt = now;
    this.timer = setInterval(() => void this.tick(), this.config.monitoring.alerts.evaluateIntervalMs);
    this.timer.unref();
  }

  /** Before the database closes: the running evaluation ends, queued notifications get a bounded chance to go out. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    const { webhookTimeoutMs } = this.config.monitoring.alerts;
    await boundedWait(this.webhook.drain(), 2 * webhookTimeoutMs + 1000);
  }

  /**
   * One timer tick: evaluates unless the previous evaluation still runs. Never throws: a failure
   * (the database is down…) is logged once per outage and the next tick tries again.
   */
  async tick(now = Date.now()): Promise<void> {
    const { suspectAfterMs, alerts } = this.config.monitoring;
    const sinceLastTick = now - (this.lastTickAt ?? now);
    if (sinceLastTick > alerts.evaluateIntervalMs + suspectAfterMs) {
      this.logger.warn(
        `alert evaluation ran ${formatDuration(sinceLastTick)} after the previous one (planned: ${formatDuration(alerts.evaluateIntervalMs)}): ` +
          `this process was stalled; judging again in ${formatDuration(suspectAfterMs)}, once the view is current`,
      );
      this.judgeFrom = now + suspectAfterMs;
    }
    this.lastTickAt = now;
    if (this.running) return;
    this.running = this.evaluate(now, now >= this.judgeFrom)
      .then(() => {
        if (this.failing) this.logger.log('alert evaluation works again');
        this.failing = false;
      })
      .catch((err: unknown) => {
        const reason = (err as Error)?.message ?? String(err);
        if (this.failing) {
          this.logger.debug(`alert evaluation still failing: ${reason}`);
          return;
        }
        this.failing = true;
        this.logger.error(`alert evaluation failed: ${reason}; retrying every ${formatDuration(alerts.evaluateIntervalMs)} (logged again once it works)`);
      })
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  /**
   * Samples the view, applies the rules and stores the transitions; `judge` false only samples
   * (warm-up). Throws when the database fails (the caller logs it).
   */
  async evaluate(now = Date.now(), judge = true): Promise<EvaluationResult> {
    const nodes = this.view.nodes();
    this.httpWindow.record(nodes, now);
    const result: EvaluationResult = { fired: [], resolved: [] };
    if (!judge) return result;

    const { monitoring, nodeName } = this.config;
    const open = await this.store.open();
    const outcome = evaluateRules(
      {
        nodes,
        open,
        now,
        forgetAfterMs: monitoring.forgetAfterMs,
        observer: nodeName,
        downAfterMs: monitoring.downAfterMs,
        http: this.httpWindow.totals(now),
      },
      monitoring.alerts.rules,
    );

    const openKeys = new Set(open.map((a) => `${a.rule}\u0000${a.subject}`));
    const cluster = summarize(nodes);
    for (const condition of outcome.fire) {
      if (openKeys.has(`${condition.rule}\u0000${condition.subject}`)) continue;
      const alert = await this.store.fire(condition, nodeName);
      if (!alert) continue;
      result.fired.push(alert);
      this.logger.warn(`alert firing: ${alert.rule} ${alert.subject}: ${alert.message}`);
      this.webhook.notify('firing', alert, cluster);
    }
    for (const { alert: openAlert, reason } of outcome.resolve) {
      const alert = await this.store.resolve(openAlert.id, reason, nodeName);
      if (!alert) continue;
      result.resolved.push(alert);
      const lasted = Date.parse(alert.resolvedAt!) - Date.parse(alert.firedAt);
      this.logger.log(`alert resolved: ${alert.rule} ${alert.subject}: ${reason} (fired ${formatDuration(lasted)} before)`);
      this.webhook.notify('resolved', alert, cluster);
    }

    const firing = Object.fromEntries(ALERT_RULES.map((rule) => [rule, 0]));
    for (const alert of open) firing[alert.rule] += 1;
    for (const alert of result.fired) firing[alert.rule] += 1;
    for (const alert of result.resolved) firing[alert.rule] -= 1;
    this.metrics.setAlertsFiring(firing);
    return result;
  }
}

function summarize(nodes: KnownNode[]): ClusterSummary {
  const summary: ClusterSummary = { nodes: nodes.length, up: 0, suspect: 0, down: 0 };
  for (const node of nodes) summary[node.state] += 1;
  return summary;
}

/** Waits for `work`, at most `ms`; the timer does not hold the process. */
async function boundedWait(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([work.catch(() => undefined), limit]);
  clearTimeout(timer);
}
