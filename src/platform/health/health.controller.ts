import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { TarsConfig } from '../../config/tars-config.js';
import { Public } from '../auth/auth.decorators.js';
import { TARS_VERSION } from '../version.js';
import { NodeInfoDto } from './node-info.dto.js';
import { ReadinessChecks } from './readiness-checks.js';
import { LivenessDto, ReadinessDto } from './readiness.dto.js';

const startedAt = new Date();

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly config: TarsConfig,
    private readonly readiness: ReadinessChecks,
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
      'Each check limited to what this node runs, in parallel, each within health.checkTimeoutMs: database, disk and ' +
      'memory always; NATS when configured; jetstream on nodes that consume a work queue over it; llm on nodes that run ' +
      'inference or the orchestrator (down means answers are built from memory and marked as not generated); ' +
      'vectorIndex on processing nodes (degraded, still 200, while an index is rebuilt).',
  })
  @ApiOkResponse({ description: 'Every check is up (or degraded)', type: ReadinessDto })
  @ApiServiceUnavailableResponse({ description: 'A check is down; the body says which and why', type: ReadinessDto })
  async getReadiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const { ready, result } = await this.readiness.run();
    if (!ready) void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return result;
  }
}
