import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import type { AlertDto } from '../../../contracts/monitoring/alert.dto.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { TARS_VERSION } from '../../../platform/version.js';

/** Pause before the one retry of a failed POST. */
const RETRY_DELAY_MS = 1000;

/** How the cluster looked when the alert changed state: nodes per state in the view. */
export interface ClusterSummary {
  nodes: number;
  up: number;
  suspect: number;
  down: number;
}

/** What the webhook receives (JSON): the alert, who reports it, and a one-line `text` for chat webhooks. */
export interface AlertWebhookPayload {
  status: 'firing' | 'resolved';
  /** One line, e.g. "[FIRING] node_down pc1: node pc1 is down: …" (Slack, Mattermost and the like show it as is). */
  text: string;
  alert: AlertDto;
  /** The monitoring node that sends it. */
  node: { name: string; version: string };
  cluster: ClusterSummary;
  sentAt: string;
}

class WebhookFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Posts alert transitions to `monitoring.alerts.webhookUrl`, one at a time in the order they
 * happened, in the background: a slow or dead webhook never holds up the evaluation. Each POST has
 * `webhookTimeoutMs` and one retry (not after a 4xx other than 408/429, which a retry does not
 * change); a failure is logged with its reason and counted, never thrown.
 */
@Injectable()
export class AlertWebhook {
  private readonly logger = new Logger('alerts');
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: TarsConfig,
    private readonly metrics: MetricsService,
  ) {}

  get enabled(): boolean {
    return this.config.monitoring.alerts.webhookUrl !== '';
  }

  /** Queues the notification of one transition (nothing when no URL is set). */
  notify(status: 'firing' | 'resolved', alert: AlertDto, cluster: ClusterSummary): void {
    if (!this.enabled) return;
    const payload: AlertWebhookPayload = {
      status,
      text: `[${status.toUpperCase()}] ${alert.rule} ${alert.subject}: ${status === 'firing' ? alert.message : (alert.resolution ?? alert.message)}`,
      alert,
      node: { name: this.config.nodeName, version: TARS_VERSION },
      cluster,
      sentAt: new Date().toISOString(),
    };
    this.queue = this.queue.then(() => this.deliver(payload));
  }

  /** Resolves once every queued notification was sent or given up (for shutdown and tests). */
  drain(): Promise<void> {
    return this.queue;
  }

  private async deliver(payload: AlertWebhookPayload): Promise<void> {
    const what = `${payload.status} ${payload.alert.rule} ${payload.alert.subject}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(payload);
        this.metrics.observeAlertNotification('sent');
        return;
      } catch (err) {
        const failure = err instanceof WebhookFailure ? err : new WebhookFailure(this.describe(err), true);
        if (attempt === 1 && failure.retryable) {
          await sleep(RETRY_DELAY_MS);
          continue;
        }
        this.metrics.observeAlertNotification('failed');
        this.logger.warn(`alert webhook failed for ${what} after ${attempt} attempt(s): ${failure.message}`);
        return;
      }
    }
  }

  private async post(payload: AlertWebhookPayload): Promise<void> {
    const { webhookUrl, webhookTimeoutMs } = this.config.monitoring.alerts;
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `tars/${TARS_VERSION}` },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(webhookTimeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return;
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new WebhookFailure(`HTTP ${response.status} ${response.statusText}`.trim(), retryable);
  }

  /** fetch's errors say little by themselves ("fetch failed"): the cause has the code (ECONNREFUSED…). */
  private describe(err: unknown): string {
    if (!(err instanceof Error)) return String(err);
    if (err.name === 'TimeoutError') return `no answer within ${this.config.monitoring.alerts.webhookTimeoutMs} ms`;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${err.message} (${cause.code})`;
    return cause?.message ? `${err.message} (${cause.message})` : err.message;
  }
}

