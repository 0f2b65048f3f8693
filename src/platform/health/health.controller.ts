import { Controller, Get, HttpStatus, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult, type HealthIndicatorFunction } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { TarsConfig } from '../../config/tars-config.js';
import { Public } from '../auth/auth.decorators.js';
import { TARS_VERSION } from '../version.js';
import { DatabaseHealth } from './database.health.js';
import { LlmHealth } from '../../modules/inference/llm.health.js';
import { NatsHealth } from './nats.health.js';
import { RemoteLlmHealth } from './remote-llm.health.js';
import { NodeInfoDto } from './node-info.dto.js';
import { LivenessDto, ReadinessDto } from './readiness.dto.js';

const startedAt = new Date();

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly config: TarsConfig,
    private readonly checks: HealthCheckService,
    private readonly database: DatabaseHealth,
    private readonly nats: NatsHealth,
    private readonly remoteLlm: RemoteLlmHealth,
    @Optional() private readonly llm?: LlmHealth,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Which node this is: name, roles, version, uptime' })
  @ApiOkResponse({ type: NodeInfoDto })
  getNodeInfo(): NodeInfoDto {
    return {
      status: 'ok',
      node: this.config.nodeName,
      roles: this.config.roles,
      version: TARS_VERSION,
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.round(process.uptime()),
    };
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessDto })
  getLiveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: what this node depends on answers',
    description:
      'Database; NATS when configured; the LLM on nodes that run inference or the orchestrator (down means answers are ' +
      'built from memory and marked as not generated).',
  })
  @ApiOkResponse({ description: 'Every check is up', type: ReadinessDto })
  @ApiServiceUnavailableResponse({ description: 'A check is down; the body says which and why', type: ReadinessDto })
  async getReadiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const indicators: HealthIndicatorFunction[] = [() => this.database.check()];
    if (this.nats.configured) indicators.push(() => this.nats.check());
    if (this.llm) indicators.push(() => this.llm!.check());
    else if (this.config.roles.includes('orchestrator')) indicators.push(() => this.remoteLlm.check());
    try {
      return await this.checks.check(indicators);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return err.getResponse() as HealthCheckResult;
    }
  }
}
