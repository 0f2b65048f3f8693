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
