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

  readonly embeddingCacheRequests = new Counter({
    name: 'tars_embedding_cache_requests_total',
    help: 'Embedding cache lookups, by tier (memory or shared) and result (hit or miss); one per text',
    labelNames: ['tier', 'result'] as const,
    registers: [this.registry],
  });

  readonly embeddings = new Counter({
    name: 'tars_embeddings_total',
    help: 'Texts turned into vectors by an embedding model (cache hits not included), by model id',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly embeddingDuration = new Histogram({
    name: 'tars_embedding_duration_seconds',
    help: 'Time an embedding model took for one call (all the cache misses of one request), by model id',
    labelNames: ['model'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly embeddingFallbacks = new Counter({
    name: 'tars_embedding_fallbacks_total',
    help: 'Embedding requests answered by a fallback model because the requested one was unavailable',
    labelNames: ['from', 'to'] as const,
    registers: [this.registry],
  });

  readonly ingestionJobs = new Counter({
    name: 'tars_ingestion_jobs_total',
    help: 'Ingestion jobs run on this node, by outcome (done, retry, drop)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly ingestionDuration = new Histogram({
    name: 'tars_ingestion_job_duration_seconds',
    help: 'Time of one ingestion job run (extraction, chunking, embedding, storing)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });

  readonly questionTransitions = new Counter({
    name: 'tars_questions_total',
    help: 'Question pipeline state changes on this node, by state reached (pending, retrying, validated, low_quality, failed, regenerated, cached)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly questionErrors = new Counter({
    name: 'tars_question_errors_total',
    help: 'Failed generations of the question pipeline, by error type (overload, quota, timeout, permanent)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly questionStageDuration = new Histogram({
    name: 'tars_question_stage_seconds',
    help: 'Time per stage of the question pipeline: queue, retrieve, generate, score, overhead (outside the LLM)',
    labelNames: ['stage'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
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

  observeIngestionJob(outcome: string, seconds: number): void {
    this.ingestionJobs.inc({ outcome });
    this.ingestionDuration.observe(seconds);
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  observeEmbeddingCache(tier: 'memory' | 'shared', result: 'hit' | 'miss', count: number): void {
    this.embeddingCacheRequests.inc({ tier, result }, count);
  }

  observeEmbeddings(model: string, texts: number, seconds: number): void {
    this.embeddings.inc({ model }, texts);
    this.embeddingDuration.observe({ model }, seconds);
  }

  observeEmbeddingFallback(from: string, to: string): void {
    this.embeddingFallbacks.inc({ from, to });
  }

  observeQuestionState(state: string): void {
    this.questionTransitions.inc({ state });
  }

  observeQuestionError(type: string): void {
    this.questionErrors.inc({ type });
  }

  observeQuestionStages(latenciesMs: Record<string, number>): void {
    for (const [stage, ms] of Object.entries(latenciesMs)) this.questionStageDuration.observe({ stage }, ms / 1000);
  }
}
