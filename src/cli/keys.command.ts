import type { Command } from 'commander';
import { loadConfig } from '../config/config.loader.js';
import type { TarsConfigValues } from '../config/config.schema.js';
import { adminKeyPath, readAdminKey } from '../platform/auth/admin-key-file.js';
import type { ApiKeyView } from '../platform/auth/api-keys.service.js';
import { ApiClient } from './api-client.js';

/** What `tars keys` needs, whether it talks to a running node or to the database itself. */
interface KeyStore {
  create(name: string, scopes: string[], expiresAt?: string): Promise<{ key: string; apiKey: ApiKeyView }>;
  list(): Promise<ApiKeyView[]>;
  revoke(idOrPrefix: string): Promise<ApiKeyView>;
  close(): Promise<void>;
}

interface CommonOptions {
  config?: string;
  url?: string;
  apiKey?: string;
}

function apiStore(client: ApiClient): KeyStore {
  return {
    create: (name, scopes, expiresAt) => client.request('POST', '/keys', { name, scopes, expiresAt }),
    list: () => client.request('GET', '/keys'),
    revoke: (idOrPrefix) => client.request('DELETE', `/keys/${encodeURIComponent(idOrPrefix)}`),
    close: async () => undefined,
  };
}

async function databaseStore(config: TarsConfigValues): Promise<KeyStore> {
  // Loaded here, not at the top: TypeORM and PGlite take a second to load, which other commands need not pay.
  const { openDatabase } = await import('../platform/database/database.js');
  const { ApiKeyEntity } = await import('../platform/auth/api-key.entity.js');
  const { ApiKeysService } = await import('../platform/auth/api-keys.service.js');
  const database = await openDatabase(config, [ApiKeyEntity]);
  const service = new ApiKeysService(database.dataSource);
  return {
    create: async (name, scopes, expiresAt) => {
      const { key, view } = await service.create({ name, scopes, expiresAt: expiresAt ? new Date(expiresAt) : undefined });
      return { key, apiKey: view };
    },
    list: () => service.list(),
    revoke: (idOrPrefix) => service.revoke(idOrPrefix),
    close: () => database.close(),
  };
}

/**
 * With a PostgreSQL server, keys are managed in the database directly. The embedded database
 * belongs to the node that runs it: then, or when --url is given, the node's API is used with an
 * admin key (--api-key, TARS_API_KEY, or the admin.key file of the data folder).
 */
async function openStore(options: CommonOptions): Promise<KeyStore> {
  const config = loadConfig({ file: options.config });
  const explicitUrl = options.url ?? process.env.TARS_URL;
  const { pgliteLockFile } = await import('../platform/database/database.js');
  const { pgliteLockHolder } = await import('../platform/database/pglite-lock.js');
  const embeddedInUse = config.database.url === '' && pgliteLockHolder(pgliteLockFile(config)) !== undefined;
  if (!explicitUrl && !embeddedInUse) return databaseStore(config);

  const url = explicitUrl ?? `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
  const apiKey = options.apiKey ?? process.env.TARS_API_KEY ?? readAdminKey(config);
  if (!apiKey) {
    throw new Error(
      `the node at ${url} must be asked through its API, which needs an admin key: ` +
        `pass --api-key, set TARS_API_KEY, or keep ${adminKeyPath(config)}`,
    );
  }
  const client = new ApiClient(url, apiKey);
  if (!(await client.isUp())) throw new Error(`no TARS node answers at ${url}`);
  return apiStore(client);
}

async function withStore<T>(options: CommonOptions, work: (store: KeyStore) => Promise<T>): Promise<T> {
  const store = await openStore(options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function printTable(keys: ApiKeyView[]): void {
  const rows = keys.map((k) => [
    k.id,
    k.name,
    `${k.prefix}…`,
    k.scopes.join(','),
    k.revokedAt ? `revoked ${k.revokedAt.slice(0, 10)}` : k.expiresAt && Date.parse(k.expiresAt) < Date.now() ? 'expired' : 'active',
    k.lastUsedAt ? k.lastUsedAt.slice(0, 19).replace('T', ' ') : 'never',
  ]);
  const header = ['ID', 'NAME', 'PREFIX', 'SCOPES', 'STATE', 'LAST USED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('create, list and revoke API keys');
  const common = (cmd: Command) =>
    cmd
      .option('-c, --config <file>', 'config file (default: TARS_CONFIG)')
      .option('--url <url>', 'manage keys through the node at this URL (default: TARS_URL)')
      .option('--api-key <key>', 'admin key for --url (default: TARS_API_KEY or <dataDir>/admin.key)');

  common(keys.command('create'))
    .description('create a key and print it once')
    .requiredOption('-n, --name <name>', 'what the key is for, e.g. "laptop"')
    .option('-s, --scopes <list>', 'comma list of read, write, admin', 'read')
    .option('--expires <date>', 'ISO date after which the key stops working')
    .option('--json', 'print JSON')
    .action(async (opts: CommonOptions & { name: string; scopes: string; expires?: string; json?: boolean }) => {
      const created = await withStore(opts, (store) => store.create(opts.name, opts.scopes.split(','), opts.expires));
      if (opts.json) return console.log(JSON.stringify(created, null, 2));
      console.log(`Created key "${created.apiKey.name}" (${created.apiKey.scopes.join(', ')}), id ${created.apiKey.id}.`);
      console.log('This is the only time the key is shown; store it now:\n');
      console.log(`  ${created.key}\n`);
    });

  common(keys.command('list'))
    .description('list keys (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(async (opts: CommonOptions & { json?: boolean }) => {
      const list = await withStore(opts, (store) => store.list());
      if (opts.json) return console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return console.log('No API keys.');
      printTable(list);
    });

  common(keys.command('revoke'))
    .description('revoke a key by id or prefix')
    .argument('<idOrPrefix>', 'the key id, or its prefix as `tars keys list` shows it')
    .action(async (idOrPrefix: string, opts: CommonOptions) => {
      const revoked = await withStore(opts, (store) => store.revoke(idOrPrefix.replace(/…$/, '')));
      console.log(`Revoked key "${revoked.name}" (${revoked.prefix}…) at ${revoked.revokedAt}.`);
    });
}
