import { Inject, Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withTimeout } from '../health/with-timeout.js';
import { QueueRegistry } from '../queue/queue-registry.js';

/** One generation attempt on one LLM backend, as the inference engine reports it. */
export interface LlmGenerationObservation {
  backend: string;
  /** `ok`, or the failure's error code (llm_timeout, llm_overloaded, cancelled...). */
  outcome: string;
  /** Time waiting for one of the backend's slots (absent when it never got one). */
  queueSeconds?: number;
  /** From handing the request to the backend to its first token. */
  firstTokenSeconds?: number;
  /** Tokens generated (the backend's count, else the tokens streamed). */
  tokens?: number;
  /** Generation speed after the first token. */
  tokensPerSecond?: number;
}

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

  readonly embeddingCacheLookups = new Counter({
    name: 'tars_embedding_cache_lookups_total',
    help: 'Texts looked up in the embedding cache, by result: hit (found in some tier) or miss (in none)',
    labelNames: ['result'] as const,
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

  /** The work queues this node consumes (absent outside a node): their depth is read at scrape time. */
  @Optional() @Inject(QueueRegistry) private readonly queues?: QueueRegistry;
  private readinessProbe?: () => Promise<unknown>;

  readonly queueDepth = new Gauge({
    name: 'tars_queue_depth',
    help: 'Jobs waiting or running (not yet acknowledged) per work queue this node consumes, read at scrape time',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: () => this.collectQueueDepths(),
  });

  readonly readyChecks = new Gauge({
    name: 'tars_ready_check',
    help: 'Readiness checks of this node (those of /health/ready), evaluated at scrape time: 1 up or degraded, 0 down',
    labelNames: ['check'] as const,
    registers: [this.registry],
    collect: async () => {
      await this.readinessProbe?.().catch(() => undefined);
    },
  });

  readonly jobRuns = new Counter({
    name: 'tars_job_runs_total',
    help: 'Scheduled or manual job runs on this node, by job and final state',
    labelNames: ['job', 'state'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'tars_job_duration_seconds',
    help: 'Time of one job run, by job',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600],
    registers: [this.registry],
  });

  readonly llmGenerations = new Counter({
    name: 'tars_llm_generations_total',
    help: 'Generation attempts on LLM backends, by backend and outcome (ok or an error code; a fallback counts one attempt per backend)',
    labelNames: ['backend', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly llmFirstToken = new Histogram({
    name: 'tars_llm_first_token_seconds',
    help: 'Time from handing a generation to the backend to its first token (queue wait excluded), by backend',
    labelNames: ['backend'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers: [this.registry],
  });

  readonly llmTokens = new Counter({
    name: 'tars_llm_tokens_total',
    help: 'Tokens generated by LLM backends, by backend',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });

  readonly llmTokensPerSecond = new Histogram({
    name: 'tars_llm_tokens_per_second',
    help: 'Generation speed after the first token, per finished generation, by backend',
    labelNames: ['backend'] as const,
    buckets: [1, 2, 5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500],
    registers: [this.registry],
  });

  readonly llmQueueWait = new Histogram({
    name: 'tars_llm_queue_wait_seconds',
    help: 'Time a generation waited for a free slot of its backend (inference.backends[].maxConcurrent), by backend',
    labelNames: ['backend'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
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

  readonly clusterNodes = new Gauge({
    name: 'tars_cluster_nodes',
    help: 'Nodes in the cluster view of this monitoring node, by state (up, suspect, down)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly clusterHeartbeatsRejected = new Counter({
    name: 'tars_cluster_heartbeats_rejected_total',
    help: 'Heartbeats received by this monitoring node and ignored because they were malformed',
    registers: [this.registry],
  });

  readonly alertsFiring = new Gauge({
    name: 'tars_alerts_firing',
    help: 'Alerts firing in the cluster (stored, so every monitoring node reports the same), by rule, as of this node\'s last evaluation',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly alertNotifications = new Counter({
    name: 'tars_alert_notifications_total',
    help: 'Alert webhook notifications sent by this node, by outcome (sent, failed after its retry)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** HTTP totals since start, for the heartbeat (prom-client counters are per label set and async to read). */
  private readonly httpTally = { requests: 0, serverErrors: 0, durationSeconds: 0 };
  private readonly trafficTally = { embeddingCacheHits: 0, embeddingCacheMisses: 0, llmTokens: 0 };

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
    // Probes are not traffic: a node that is not ready answers its readiness probes with 503, which
    // must not count as the error rate of the requests people make.
    if (route.startsWith('/health') || route === '/metrics') return;
    this.httpTally.requests += 1;
    this.httpTally.durationSeconds += seconds;
    if (status >= 500) this.httpTally.serverErrors += 1;
  }

  /**
   * HTTP requests answered since the node started (health probes and metric scrapes excluded),
   * those with a 5xx status, and the time they took in total (for the mean latency between two heartbeats).
   */
  httpTotals(): { requests: number; serverErrors: number; durationSeconds: number } {
    return { ...this.httpTally, durationSeconds: Math.round(this.httpTally.durationSeconds * 1000) / 1000 };
  }

  /** Totals since start of what the cluster dashboard charts as rates: embedding-cache hits and misses (per text, all tiers together), LLM tokens generated. */
  trafficTotals(): { embeddingCacheHits: number; embeddingCacheMisses: number; llmTokens: number } {
    return { ...this.trafficTally };
  }

  /** How many nodes the cluster view holds in each state. */
  setClusterNodes(counts: Record<'up' | 'suspect' | 'down', number>): void {
    for (const [state, count] of Object.entries(counts)) this.clusterNodes.set({ state }, count);
  }

  observeEmbeddingCache(tier: 'memory' | 'shared', result: 'hit' | 'miss', count: number): void {
    this.embeddingCacheRequests.inc({ tier, result }, count);
  }

  /** Per text looked up: found in some tier or in none (a memory miss that the shared tier answers is one hit). */
  observeEmbeddingLookups(hits: number, misses: number): void {
    if (hits > 0) this.embeddingCacheLookups.inc({ result: 'hit' }, hits);
    if (misses > 0) this.embeddingCacheLookups.inc({ result: 'miss' }, misses);
    this.trafficTally.embeddingCacheHits += hits;
    this.trafficTally.embeddingCacheMisses += misses;
  }

  observeEmbeddings(model: string, texts: number, seconds: number): void {
    this.embeddings.inc({ model }, texts);
    this.embeddingDuration.observe({ model }, seconds);
  }

  observeEmbeddingFallback(from: string, to: string): void {
    this.embeddingFallbacks.inc({ from, to });
  }

  observeJobRun(job: string, state: string, seconds: number): void {
    this.jobRuns.inc({ job, state });
    this.jobDuration.observe({ job }, seconds);
  }

  observeLlmGeneration(attempt: LlmGenerationObservation): void {
    const { backend } = attempt;
    this.llmGenerations.inc({ backend, outcome: attempt.outcome });
    if (attempt.queueSeconds !== undefined) this.llmQueueWait.observe({ backend }, attempt.queueSeconds);
    if (attempt.firstTokenSeconds !== undefined) this.llmFirstToken.observe({ backend }, attempt.firstTokenSeconds);
    if (attempt.tokens) {
      this.llmTokens.inc({ backend }, attempt.tokens);
      this.trafficTally.llmTokens += attempt.tokens;
    }
    if (attempt.tokensPerSecond !== undefined) this.llmTokensPerSecond.observe({ backend }, attempt.tokensPerSecond);
  }

  /** What refreshes tars_ready_check at each scrape: the node's readiness checks, which report through observeReadyChecks. */
  setReadinessProbe(probe: () => Promise<unknown>): void {
    this.readinessProbe = probe;
  }

  /** The latest readiness: every check of this node, up (or degraded) or not; checks no longer run are dropped. */
  observeReadyChecks(checks: Record<string, boolean>): void {
    this.readyChecks.reset();
    for (const [check, up] of Object.entries(checks)) this.readyChecks.set({ check }, up ? 1 : 0);
  }

  private async collectQueueDepths(): Promise<void> {
    this.queueDepth.reset();
    const queues = this.queues?.list() ?? [];
    await Promise.all(
      queues.map(async (queue) => {
        // A queue that cannot say (NATS down) is left out of this scrape rather than shown as empty.
        const depth = await withTimeout(queue.depth(), 2000, `the depth of ${queue.name}`).catch(() => undefined);
        if (depth !== undefined) this.queueDepth.set({ queue: queue.name }, depth);
      }),
    );
  }

  /** Open alerts per rule (every rule, 0 included). */
  setAlertsFiring(counts: Record<string, number>): void {
    for (const [rule, count] of Object.entries(counts)) this.alertsFiring.set({ rule }, count);
  }

  observeAlertNotification(outcome: 'sent' | 'failed'): void {
    this.alertNotifications.inc({ outcome });
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
