import { timingSafeEqual } from 'node:crypto';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import { NotFoundError, ValidationFailedError } from '../../contracts/errors.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { generateApiKey, hashApiKey, looksLikeApiKey, publicPrefix } from './api-key.format.js';
import { isScope, type Scope } from './scopes.js';

/** An API key as it may be shown: everything but the secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Who is calling, once a key has been verified. */
export interface ApiKeyPrincipal {
  keyId: string;
  name: string;
  scopes: Scope[];
}

export interface CreateApiKeyInput {
  name: string;
  scopes: string[];
  expiresAt?: Date;
}

const LAST_USED_RESOLUTION_MS = 60_000;

const iso = (date: Date | null) => (date ? date.toISOString() : null);
export function toApiKeyView(key: ApiKeyEntity): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    createdAt: key.createdAt.toISOString(),
    expiresAt: iso(key.expiresAt),
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
  };
}

/**
 * Creates, lists, revokes and verifies API keys. Only SHA-256 digests are stored; the key itself
 * is returned once, by `create`. Used by the API's guard and, directly, by `tars keys`.
 */
export class ApiKeysService {
  private readonly keys: Repository<ApiKeyEntity>;
  private readonly cache = new Map<string, { principal: ApiKeyPrincipal | undefined; until: number }>();
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly cacheTtlMs = 0,
  ) {
    this.keys = dataSource.getRepository(ApiKeyEntity);
  }

  async create(input: CreateApiKeyInput): Promise<{ key: string; view: ApiKeyView }> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) throw new ValidationFailedError('name must be 1 to 100 characters');
    const scopes = [...new Set(input.scopes.map((s) => s.trim().toLowerCase()).filter(Boolean))];
    const unknown = scopes.filter((s) => !isScope(s));
    if (scopes.length === 0 || unknown.length > 0) {
      throw new ValidationFailedError(
        unknown.length > 0 ? `unknown scope ${unknown.join(', ')} (scopes: read, write, admin)` : 'at least one scope is required',
      );
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw new ValidationFailedError('expiresAt must be in the future');
    }
    const key = generateApiKey();
    const saved = await this.keys.save(
      this.keys.create({
        name,
        prefix: publicPrefix(key),
        keyHash: hashApiKey(key),
        scopes: scopes as Scope[],
        expiresAt: input.expiresAt ?? null,
      }),
    );
    return { key, view: toApiKeyView(saved) };
  }

  async list(): Promise<ApiKeyView[]> {
    const keys = await this.keys.find({ order: { createdAt: 'ASC' } });
    return keys.map(toApiKeyView);
  }

  /** Revokes by id or by public prefix; revoking twice keeps the first date. */
  async revoke(idOrPrefix: string): Promise<ApiKeyView> {
    const key = await this.find(idOrPrefix);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.keys.update({ id: key.id }, { revokedAt: key.revokedAt });
    }
    this.cache.clear();
    return toApiKeyView(key);
  }

  /** The principal of a valid key, or undefined for an unknown, revoked or expired one. */
  async verify(key: string): Promise<ApiKeyPrincipal | undefined> {
    if (!looksLikeApiKey(key)) return undefined;
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;

    const found = await this.keys.findOneBy({ keyHash: hash });
    const principal =
      found &&
      timingSafeEqual(Buffer.from(found.keyHash, 'hex'), Buffer.from(hash, 'hex')) &&
      !found.revokedAt &&
      (!found.expiresAt || found.expiresAt.getTime() > Date.now())
        ? { keyId: found.id, name: found.name, scopes: found.scopes }
        : undefined;
    if (this.cacheTtlMs > 0) {
      // A key that expires sooner than the cache entry would is trusted only until it expires.
      const until = Math.min(Date.now() + this.cacheTtlMs, found?.expiresAt?.getTime() ?? Infinity);
      this.cache.set(hash, { principal, until });
    }
    if (principal) this.recordUse(principal.keyId);
    return principal;
  }

  async countActive(): Promise<number> {
    return this.keys.countBy({ revokedAt: IsNull() });
  }

  /** Creates the first admin key when no key exists, atomically across nodes; undefined when keys exist. */
  async createFirstAdminKey(): Promise<{ key: string; view: ApiKeyView } | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE');
      if ((await manager.getRepository(ApiKeyEntity).count()) > 0) return undefined;
      const key = generateApiKey();
      const saved = await manager.getRepository(ApiKeyEntity).save({
        name: 'admin (first start)',
        prefix: publicPrefix(key),
        keyHash: hashApiKey(key),
        scopes: ['admin'] as Scope[],
        expiresAt: null,
      });
      return { key, view: toApiKeyView(saved as ApiKeyEntity) };
    });
  }

  private async find(idOrPrefix: string): Promise<ApiKeyEntity> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrPrefix);
    const matches = isUuid
      ? await this.keys.findBy({ id: idOrPrefix })
      : await this.keys.findBy({ prefix: idOrPrefix });
    if (matches.length === 0) throw new NotFoundError(`no API key with id or prefix ${idOrPrefix}`);
    if (matches.length > 1) throw new ValidationFailedError(`prefix ${idOrPrefix} matches several keys: use the id`);
    return matches[0];
  }

  /** last_used_at is informative: written at most once a minute per key, never on the request's path. */
  private recordUse(keyId: string): void {
    const now = Date.now();
    if ((this.lastUsedWritten.get(keyId) ?? 0) + LAST_USED_RESOLUTION_MS > now) return;
    this.lastUsedWritten.set(keyId, now);
    this.keys.update({ id: keyId }, { lastUsedAt: new Date(now) }).catch(() => this.lastUsedWritten.delete(keyId));
  }
}
