import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Scope } from './scopes.js';

export const REQUIRED_SCOPE = 'tars:requiredScope';
export const PUBLIC_ROUTE = 'tars:publicRoute';

/** The route needs an API key with this scope (admin keys have every scope). Also documents it in OpenAPI. */
export function RequireScope(scope: Scope): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiUnauthorizedResponse({ description: 'No API key, or an unknown, revoked or expired one' }),
    ApiForbiddenResponse({ description: `The key lacks the '${scope}' scope` }),
    ApiTooManyRequestsResponse({ description: 'The key exceeded its rate limit' }),
  );
}

/** The route needs no key (health probes, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
