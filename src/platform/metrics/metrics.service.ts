import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The node's Prometheus registry: process metrics plus what TARS itself counts. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'tars_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'tars_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to sending its answer',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly remoteCalls = new Counter({
    name: 'tars_remote_calls_total',
    help: 'Calls to modules on other nodes over NATS, by subject and outcome (ok or an error code)',
    labelNames: ['subject', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly remoteCallDuration = new Histogram({
    name: 'tars_remote_call_duration_seconds',
    help: 'Time of calls to modules on other nodes over NATS, including the remote work',
    labelNames: ['subject'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  setNodeLabels(labels: { node: string; roles: string; version: string }): void {
    this.registry.setDefaultLabels({ node: labels.node });
    new Counter({
      name: 'tars_node_info',
      help: 'Always 1; labels say which node this is',
      labelNames: ['roles', 'version'] as const,
      registers: [this.registry],
    })
      .labels(labels.roles, labels.version)
      .inc();
  }

  observeRemoteCall(subject: string, outcome: string, seconds: number): void {
    this.remoteCalls.inc({ subject, outcome });
    this.remoteCallDuration.observe({ subject }, seconds);
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }
}
