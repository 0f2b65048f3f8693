import { type ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import { getOptionsToken } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { TarsConfig } from '../config/tars-config.js';
import type { ApiKeyPrincipal, ApiKeysService } from '../platform/auth/api-keys.service.js';
import { PUBLIC_ROUTE, REQUIRED_SCOPE } from '../platform/auth/auth.decorators.js';
import { type Scope, scopeAllows } from '../platform/auth/scopes.js';

export const API_KEYS_SERVICE = 'ApiKeysService';

/** A request after authentication. */
export type AuthenticatedRequest = FastifyRequest & { principal?: ApiKeyPrincipal };

function presentedKey(req: FastifyRequest): string | undefined {
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = req.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header.trim() : undefined;
}

/**
 * The API's one guard: authenticates the key (401), checks the route's scope (403), then applies
 * the per-key rate limit (429). Routes without a scope need admin: nothing is open by accident.
 */
@Injectable()
export class ApiAccessGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(API_KEYS_SERVICE) private readonly apiKeys: ApiKeysService,
    private readonly config: TarsConfig,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(req);
    if (!key) throw new UnauthorizedException('an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    const principal = await this.apiKeys.verify(key);
    if (!principal) throw new UnauthorizedException('the API key is unknown, revoked or expired');
    req.principal = principal;

    const required = this.reflector.getAllAndOverride<Scope>(REQUIRED_SCOPE, targets) ?? 'admin';
    if (!scopeAllows(principal.scopes, required)) {
      throw new ForbiddenException(`this API key lacks the '${required}' scope`);
    }
    return this.config.auth.rateLimit.enabled ? super.canActivate(context) : true;
  }

  /** Rate limits are per key, not per IP (several keys can share one address). */
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return (req as unknown as AuthenticatedRequest).principal?.keyId ?? String(req.ip);
  }
}
