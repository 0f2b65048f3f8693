import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQuery } from '../page.dto.js';

export const JOB_NAMES = ['synthesis', 'index-maintenance', 'cleanup'] as const;
export type JobName = (typeof JOB_NAMES)[number];
export const JOB_RUN_STATES = ['running', 'succeeded', 'failed', 'skipped'] as const;
export type JobRunState = (typeof JOB_RUN_STATES)[number];

/** Contract payload of listJobs (no parameters). */
export class JobsQuery {}

export class JobRunDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: JOB_NAMES }) job: JobName;
  @ApiProperty({ enum: ['schedule', 'manual'] }) trigger: 'schedule' | 'manual';
  @ApiPropertyOptional({ description: 'The scheduled slot this run is for (trigger schedule)' }) scheduledFor?: string;
  @ApiProperty({ enum: JOB_RUN_STATES }) state: JobRunState;
  @ApiProperty({ description: 'The node that ran it' }) node: string;
  @ApiProperty() startedAt: string;
  @ApiPropertyOptional() finishedAt?: string;
  @ApiPropertyOptional() durationMs?: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What the run did (counts per step)' }) summary: Record<string, unknown>;
  @ApiPropertyOptional() error?: string;
}

export class JobDto {
  @ApiProperty({ enum: JOB_NAMES }) name: JobName;
  @ApiProperty() description: string;
  @ApiProperty({ description: 'Cron expression from config' }) cron: string;
  @ApiProperty({ description: 'Time zone of the cron expression' }) timezone: string;
  @ApiPropertyOptional({ description: 'Next scheduled start (absent when the schedule is off on the answering node)' })
  nextRunAt?: string;
  @ApiPropertyOptional({ type: JobRunDto }) lastRun?: JobRunDto;
  @ApiProperty() running: boolean;
}

export class JobListDto {
  @ApiProperty({ type: [JobDto] }) jobs: JobDto[];
}

export class JobRunsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: JOB_NAMES }) @IsIn(JOB_NAMES) @IsOptional() job?: JobName;
}

export class JobRunPageDto {
  @ApiProperty({ type: [JobRunDto] }) items: JobRunDto[];
  @ApiProperty() total: number;
}

/** Contract payload of runJob: start a job now; answers with the run once it has started. */
export class RunJobCommand {
  @IsIn(JOB_NAMES, { message: `job must be one of ${JOB_NAMES.join(', ')}` }) @MaxLength(64) @IsString() job: JobName;
}

/** Contract payload of getJobRun. */
export class JobRunIdQuery {
  @IsUUID() id: string;
}
