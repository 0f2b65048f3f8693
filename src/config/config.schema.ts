import { validateCronExpression } from 'cron';
import { z } from 'zod';
import { parseRoles, UnknownRoleError } from './roles.js';

const port = z.number().int().min(0).max(65535);
const positiveMs = z.number().int().min(1).max(3_600_000);

const rolesSchema = z.string().transform((value, ctx) => {
  try {
    return parseRoles(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof UnknownRoleError ? err.message : String(err) });
    return z.NEVER;
  }
});

const urlList = (protocols: string[]) =>
  z.string().refine(
    (value) =>
      value === '' ||
      value.split(',').every((part) => {
        try {
          return protocols.includes(new URL(part.trim()).protocol);
        } catch {
          return false;
        }
      }),
    { message: `must be empty or a URL with scheme ${protocols.map((p) => p.replace(':', '://')).join(' or ')}` },
  );

const embeddingModelSchema = z.strictObject({
  /** Name used in config, in the database next to every vector, and in metrics. */
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  provider: z.enum(['transformers', 'ollama', 'hashing']),
  /** transformers: hub id or folder under modelsDir; ollama: the Ollama model name. */
  source: z.string().default(''),
  dimensions: z.number().int().min(8).max(8192),
  dtype: z.enum(['fp32', 'fp16', 'q8']).default('fp32'),
  pooling: z.enum(['mean', 'cls', 'none']).default('mean'),
  normalize: z.boolean().default(true),
  queryPrefix: z.string().default(''),
  documentPrefix: z.string().default(''),
  maxTokens: z.number().int().min(8).max(32768).default(512),
  batchSize: z.number().int().min(1).max(1024).default(32),
  /**
   * transformers: CPU threads of one ONNX run (onnxruntime's intra-op threads); 0 = one per core.
   * Set it when several processing nodes, or a processing node and the LLM, share a PC.
   */
  threads: z.number().int().min(0).max(256).default(0),
  /** Vector-search hits below this cosine similarity are dropped (model-specific: scales differ). */
  minSimilarity: z.number().min(-1).max(1).default(0.2),
});

const embeddingsSchema = z
  .strictObject({
    modelsDir: z.string(),
    allowRemoteModels: z.boolean(),
    models: z.array(embeddingModelSchema).min(1),
    defaults: z.strictObject({ documents: z.string(), queries: z.string(), conversations: z.string() }),
    fallback: z.array(z.string()),
    cache: z.strictObject({
      memoryEntries: z.number().int().min(0),
      storage: z.enum(['fp16', 'int8']),
      shared: z.boolean(),
      sharedTtlSeconds: z.number().int().min(1),
    }),
  })
  .superRefine((e, ctx) => {
    const ids = e.models.map((m) => m.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['models', i, 'id'], message: `duplicate model id '${id}'` });
    });
    for (const [use, id] of Object.entries(e.defaults)) {
      if (!ids.includes(id)) ctx.addIssue({ code: 'custom', path: ['defaults', use], message: `no model with id '${id}' in embeddings.models` });
    }
    e.fallback.forEach((id, i) => {
      if (!ids.includes(id)) ctx.addIssue({ code: 'custom', path: ['fallback', i], message: `no model with id '${id}' in embeddings.models` });
    });
    e.models.forEach((m, i) => {
      if (m.provider !== 'hashing' && m.source === '') {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'source'], message: `a ${m.provider} model needs a source` });
      }
    });
  });

const backendCommon = {
  /** Name used in config, in answers (`backend`), metrics and the fallback chain. */
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  enabled: z.boolean().default(true),
  /** The model used when a request names none. */
  model: z.string().default(''),
  /** Generations run at once on this backend; more wait in its queue. */
  maxConcurrent: z.number().int().min(1).max(256).default(2),
  /** Generations allowed to wait; one more is refused at once as overloaded (back-pressure). */
  maxQueue: z.number().int().min(0).max(100_000).default(256),
  /** Longest wait for the first token once a slot is held (model loading included). */
  firstTokenTimeoutMs: positiveMs.default(120_000),
  /** Longest silence between two tokens. */
  idleTimeoutMs: positiveMs.default(60_000),
  /** Largest context window the model supports; prompts are fitted to it. */
  contextLength: z.number().int().min(256).max(1_048_576).default(8192),
};

const inferenceBackendSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...backendCommon,
    kind: z.literal('ollama'),
    /** Ollama's URL; empty: ollama.host. */
    host: urlList(['http:', 'https:']).default(''),
    /** How long Ollama keeps the model loaded after a request (its keep_alive). */
    keepAlive: z.string().default('10m'),
  }),
  z.strictObject({
    ...backendCommon,
    kind: z.literal('llamacpp'),
    /** A GGUF model file; relative paths are resolved from dataDir/models. */
    modelPath: z.string().default(''),
    /** Layers offloaded to a GPU (0: CPU only). */
    gpuLayers: z.number().int().min(0).max(1000).default(0),
    /** CPU threads (0: llama.cpp's choice). */
    threads: z.number().int().min(0).max(256).default(0),
  }),
  z.strictObject({
    ...backendCommon,
    kind: z.literal('transformers'),
    /** Hub id or folder under modelsDir with an ONNX text-generation model (config.json, tokenizer, onnx/). */
    source: z.string().default(''),
    dtype: z.enum(['fp32', 'fp16', 'q8', 'q4']).default('q8'),
  }),
]);

/** One LLM backend of inference.backends. */
export type InferenceBackendConfig = z.output<typeof inferenceBackendSchema>;

const inferenceSchema = z
  .strictObject({
    /** Backends in fallback order: a failure that another backend may not have (overload, timeout, unreachable) moves on to the next. */
    backends: z.array(inferenceBackendSchema),
    /** Folder of local models (GGUF files, ONNX folders); empty: <dataDir>/models. */
    modelsDir: z.string(),
    allowRemoteModels: z.boolean(),
    /** Defaults of every generation (a request may lower or raise them within the model's contextLength). */
    temperature: z.number().min(0).max(2),
    maxAnswerTokens: z.number().int().min(1).max(32768),
    /** How often backend health is probed (for readiness and to skip dead backends quickly). */
    probeIntervalMs: positiveMs,
    probeTimeoutMs: positiveMs,
  })
  .superRefine((inference, ctx) => {
    const ids = inference.backends.map((b) => b.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['backends', i, 'id'], message: `duplicate backend id '${id}'` });
    });
    inference.backends.forEach((b, i) => {
      if (!b.enabled) return;
      if (b.kind === 'llamacpp' && b.modelPath === '') {
        ctx.addIssue({ code: 'custom', path: ['backends', i, 'modelPath'], message: 'a llamacpp backend needs modelPath (a GGUF file)' });
      }
      if (b.kind === 'transformers' && b.source === '') {
        ctx.addIssue({ code: 'custom', path: ['backends', i, 'source'], message: 'a transformers backend needs source (a model folder or hub id)' });
      }
      if (b.kind !== 'ollama' && b.model === '') {
        ctx.addIssue({ code: 'custom', path: ['backends', i, 'model'], message: 'name the model this backend serves (model)' });
      }
    });
  });

const regexList = z.array(
  z.string().refine(
    (pattern) => {
      try {
        new RegExp(pattern, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression' },
  ),
);

const orchestratorSchema = z.strictObject({
  /** Folder of the prompt templates; empty: the templates shipped in config/prompts. */
  promptsDir: z.string(),
  router: z.strictObject({
    /** A question matching one of these is answered without retrieval (greetings, arithmetic, chit-chat). */
    directPatterns: regexList,
    /** A question matching one of these needs several retrievals combined (compare, summarise across…). */
    synthesisPatterns: regexList,
    /** A question matching one of these needs memory (my documents, notes, what did I…). */
    contextPatterns: regexList,
    /** Otherwise memory is probed: a hit this good (cosine similarity, or full-text rank) means needs_context. */
    probeMinSimilarity: z.number().min(-1).max(1),
    probeMinTextRank: z.number().min(0),
    /** Sub-queries a synthesis question is split into at most. */
    maxSubQueries: z.number().int().min(1).max(8),
  }),
  /** Follow-ups ("and the second one?") are rewritten with the conversation before retrieval. */
  rewrite: z.strictObject({
    mode: z.enum(['llm', 'concat', 'off']),
    timeoutMs: positiveMs,
  }),
  /** Passages retrieved per query, and the least fused score kept. */
  retrievalK: z.number().int().min(1).max(50),
  /** Conversation turns put in the prompt. */
  historyTurns: z.number().int().min(0).max(100),
  /** Context window asked for (num_ctx); the prompt is fitted into it minus the answer's tokens. */
  numCtx: z.number().int().min(512).max(1_048_576),
  /** Concurrent answer streams one API key may hold open (throttling counts requests, not open streams). */
  maxStreamsPerKey: z.number().int().min(1).max(10_000),
});

const questionsSchema = z.strictObject({
  /** A question whose normalised text has a validated answer younger than this is answered from it (200). */
  cacheTtlHours: z.number().min(0).max(24 * 365),
  /** Answers scoring at least this are validated; below, the question is regenerated. */
  scoreThreshold: z.number().min(0).max(1),
  /** Regenerations after a low score, before the question ends as low_quality with its best answer. */
  maxRegenerations: z.number().int().min(0).max(10),
  retry: z.strictObject({
    /** LLM overload (503/429 busy) and time-outs: exponential backoff base * factor^(n-1), at most maxRetries times. */
    overload: z.strictObject({ baseMs: positiveMs, factor: z.number().min(1).max(10), maxRetries: z.number().int().min(0).max(20) }),
    /** Spent quota (402, or 429 with a usage-limit text): a fixed delay, at most maxRetries times. */
    quota: z.strictObject({ delayMs: positiveMs, maxRetries: z.number().int().min(0).max(50) }),
  }),
  queue: z.strictObject({
    stream: z.string().regex(/^[A-Za-z0-9_-]+$/),
    ackWaitMs: positiveMs,
    /** Questions one orchestrator node works on at once. */
    concurrency: z.number().int().min(1).max(256),
  }),
});

/** A cron expression of the `cron` package (5 fields, or 6 with seconds first), checked at load. */
const cronSchema = z.string().superRefine((value, ctx) => {
  const { valid, error } = validateCronExpression(value.trim());
  if (!valid) ctx.addIssue({ code: 'custom', message: `not a valid cron expression ('${value}'): ${error?.message ?? 'unreadable'}; e.g. "0 3 * * *" for 03:00 every day` });
});

/** An IANA time zone name (e.g. Europe/Berlin), or empty for the machine's. */
const timeZoneSchema = z.string().refine(
  (value) => {
    if (value === '') return true;
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a known IANA time zone (e.g. Europe/Berlin, America/New_York, UTC); leave empty for the machine\'s' },
);

/** One embedding model of the registry. */
export type EmbeddingModelConfig = z.output<typeof embeddingModelSchema>;

/** The whole configuration of a node, validated once at start. Unknown keys are rejected. */
export const configSchema = z
  .strictObject({
    nodeName: z.string().max(64).regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore only'),
    roles: rolesSchema,
    dataDir: z.string().min(1),
    http: z.strictObject({
      host: z.string().min(1),
      port,
      bodyLimitBytes: z.number().int().min(1024).max(1024 * 1024 * 1024),
      docs: z.boolean(),
      /** Serve the web UI at / (api role only). */
      ui: z.boolean(),
      /** Folder of the built web UI; empty: dist/web of this installation. */
      uiDir: z.string(),
    }),
    database: z.strictObject({
      url: urlList(['postgres:', 'postgresql:']),
      poolSize: z.number().int().min(1).max(200),
      migrate: z.boolean(),
      healthTimeoutMs: positiveMs,
    }),
    nats: z.strictObject({
      url: urlList(['nats:', 'tls:', 'ws:', 'wss:']),
      subjectPrefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'NATS subject tokens separated by dots'),
      queueGroup: z.string().regex(/^[A-Za-z0-9_.-]+$/),
      requestTimeoutMs: positiveMs,
      user: z.string(),
      password: z.string(),
      token: z.string(),
      tls: z.strictObject({
        enabled: z.boolean(),
        caFile: z.string(),
        certFile: z.string(),
        keyFile: z.string(),
      }),
    }),
    ollama: z.strictObject({ host: urlList(['http:', 'https:']), requestTimeoutMs: positiveMs }),
    memory: z.strictObject({
      activeConversations: z.number().int().min(0).max(10_000),
      recentTurns: z.number().int().min(1).max(1000),
      search: z.strictObject({ rrfK: z.number().min(1).max(1000), candidateFactor: z.number().int().min(1).max(20) }),
    }),
    processing: z.strictObject({
      maxUploadBytes: z.number().int().min(1024).max(1024 * 1024 * 1024),
      maxDocumentChars: z.number().int().min(1000),
      pdf: z.strictObject({
        timeoutMs: positiveMs,
        maxPages: z.number().int().min(1),
        memoryLimitMb: z.number().int().min(64).max(16384),
      }),
      chunking: z
        .strictObject({ chunkTokens: z.number().int().min(16).max(8192), overlapTokens: z.number().int().min(0) })
        .refine((c) => c.overlapTokens < c.chunkTokens, { message: 'overlapTokens must be smaller than chunkTokens' }),
      queue: z.strictObject({
        stream: z.string().regex(/^[A-Za-z0-9_-]+$/),
        ackWaitMs: positiveMs,
        maxDeliver: z.number().int().min(1).max(100),
        concurrency: z.number().int().min(1).max(64),
      }),
    }),
    embeddings: embeddingsSchema,
    inference: inferenceSchema,
    orchestrator: orchestratorSchema,
    questions: questionsSchema,
    index: z.strictObject({
      hnswThreshold: z.number().int().min(1),
      hnswM: z.number().int().min(4).max(128),
      hnswEfSearch: z.number().int().min(1).max(4096),
      hnswEfConstruction: z.number().int().min(1).max(4096),
      quantization: z.enum(['none', 'int8']),
    }),
    auth: z.strictObject({
      bootstrapAdminKey: z.boolean(),
      keyCacheTtlMs: z.number().int().min(0).max(3_600_000),
      rateLimit: z.strictObject({
        enabled: z.boolean(),
        limit: z.number().int().min(1),
        windowMs: positiveMs,
      }),
    }),
    health: z.strictObject({
      /** Time limit of each readiness check. */
      checkTimeoutMs: positiveMs,
      /** Readiness fails when the data folder's file system has less free space than this (percent). */
      minFreeDiskPercent: z.number().min(0).max(100),
      /** Readiness fails when the machine has less available memory than this (MiB). */
      minFreeMemoryMb: z.number().int().min(0),
    }),
    monitoring: z.strictObject({
      /** How often every node publishes its heartbeat. */
      heartbeatIntervalMs: positiveMs,
      /** A node silent for longer is `suspect`. */
      suspectAfterMs: positiveMs,
      /** A node silent for longer is `down` (and forgotten after `forgetAfterMs`). */
      downAfterMs: positiveMs,
      forgetAfterMs: z.number().int().min(1).max(30 * 86_400_000),
      alerts: z.strictObject({
        evaluateIntervalMs: positiveMs,
        /** Alerts are also POSTed (JSON) here when set: one http(s) URL. */
        webhookUrl: urlList(['http:', 'https:']).refine((value) => !value.includes(','), { message: 'must be one URL' }),
        webhookTimeoutMs: positiveMs,
        /** How many resolved alerts GET /alerts keeps showing. */
        keepResolved: z.number().int().min(0).max(10_000),
        rules: z.strictObject({
          nodeDown: z.strictObject({ enabled: z.boolean() }),
          queueLag: z.strictObject({ enabled: z.boolean(), maxPending: z.number().int().min(0) }),
          errorRate: z.strictObject({
            enabled: z.boolean(),
            maxPercent: z.number().min(0).max(100),
            windowMs: positiveMs,
            /** Fewer requests than this in the window never fire (one failed request is not a 100% error rate). */
            minRequests: z.number().int().min(1),
          }),
          disk: z.strictObject({ enabled: z.boolean(), minFreePercent: z.number().min(0).max(100) }),
        }),
      }),
    }),
    jobs: z.strictObject({
      /** Run the schedule on this node (nodes with the monitoring module); manual runs work either way. */
      enabled: z.boolean(),
      /** IANA time zone of the cron expressions, e.g. Europe/Berlin; empty = the machine's. */
      timezone: timeZoneSchema,
      /** A running job whose node stopped renewing its lease for this long is taken as dead. */
      leaseMs: positiveMs,
      synthesis: z.strictObject({
        cron: cronSchema,
        /** Conversations without a new turn for this long are summarised. */
        idleHours: z.number().min(0).max(24 * 365),
        /** After summarising, raw turns older than this are compacted away (the summary keeps them). */
        keepTurnsDays: z.number().min(0).max(36500),
        maxConversationsPerRun: z.number().int().min(1).max(100_000),
        /** Context window asked of the LLM (num_ctx); a longer conversation is summarised in several passes. */
        numCtx: z.number().int().min(1024).max(1_048_576),
        /** Longest summary, in tokens (the LLM's maxTokens; the extractive summary keeps to about as many words). */
        summaryTokens: z.number().int().min(32).max(4096),
      }),
      indexMaintenance: z.strictObject({
        cron: cronSchema,
        /** Backups of the index files kept in <dataDir>/backups/index. */
        keepBackups: z.number().int().min(1).max(1000),
      }),
      cleanup: z.strictObject({
        cron: cronSchema,
        /** Job runs, resolved alerts and stage metrics older than this are deleted. */
        keepDays: z.number().min(1).max(36500),
      }),
    }),
    log: z.strictObject({
      level: z.enum(['error', 'warn', 'info', 'debug']),
      format: z.enum(['json', 'pretty', 'auto']),
    }),
  })
  .superRefine((config, ctx) => {
    const allModules = config.roles.length === 6;
    if (!allModules && config.nats.url === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['nats', 'url'],
        message: `roles '${config.roles.join(',')}' leave modules to other nodes, which are reached through NATS: set nats.url (NATS_URL)`,
      });
    }
  });

/** The validated configuration as the rest of the code sees it. */
export type TarsConfigValues = z.output<typeof configSchema>;
