import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const ALERT_RULES = ['node_down', 'queue_lag', 'error_rate', 'disk_low'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

/** Contract payload of listAlerts: active alerts and the most recent resolved ones. */
export class AlertsQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1000,
    default: 50,
    description: 'How many resolved alerts to include, newest first (never more than monitoring.alerts.keepResolved)',
  })
  @Type(() => Number)
  @Max(1000)
  @Min(1)
  @IsInt()
  @IsOptional()
  recent?: number;
}

export class AlertDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ALERT_RULES }) rule: AlertRule;
  @ApiProperty({ description: 'What the alert is about: a node, a queue, the cluster' }) subject: string;
  @ApiProperty({ enum: ['firing', 'resolved'] }) state: 'firing' | 'resolved';
  @ApiProperty({ description: 'What was found, with the measured values and the limits' }) message: string;
  @ApiProperty() firedAt: string;
  @ApiProperty({ description: 'The monitoring node that fired it (and logged and posted it)' }) firedBy: string;
  @ApiPropertyOptional() resolvedAt?: string;
  @ApiPropertyOptional({ description: 'The monitoring node that resolved it' }) resolvedBy?: string;
  @ApiPropertyOptional({ description: 'Why it was resolved, with the values measured then' }) resolution?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The measured values that fired it' }) details: Record<string, unknown>;
}

export class AlertListDto {
  @ApiProperty({ type: [AlertDto] }) active: AlertDto[];
  @ApiProperty({ type: [AlertDto] }) recent: AlertDto[];
}
