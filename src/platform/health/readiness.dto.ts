import { ApiProperty } from '@nestjs/swagger';

/** Terminus' readiness answer: each check under its name with `status` (up, degraded or down) and details. */
export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'degraded', 'error', 'shutting_down'] }) status: string;
  @ApiProperty({ description: 'Checks that are up or degraded', example: { database: { status: 'up', latencyMs: 1 } } })
  info: Record<string, unknown>;
  @ApiProperty({ description: 'Checks that are down, with the reason', example: {} })
  error: Record<string, unknown>;
  @ApiProperty({ description: 'Every check' }) details: Record<string, unknown>;
}

export class LivenessDto {
  @ApiProperty({ example: 'ok' }) status: 'ok';
}
