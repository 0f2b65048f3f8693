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
    ollama: z.strictObject({ host: urlList(['http:', 'https:']) }),
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
