import { Controller, Get, HttpCode, HttpStatus, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { JOB_NAMES, JobListDto, type JobName, JobRunDto, JobRunPageDto, JobRunsQuery } from '../contracts/monitoring/job.dto.js';
import { MONITORING_CONTRACT, type MonitoringContract } from '../contracts/monitoring/monitoring.contract.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';

@ApiTags('jobs')
@ApiServiceUnavailableResponse({ description: 'No node serving the monitoring module answered in time' })
@Controller('jobs')
export class JobsController {
  constructor(@Inject(MONITORING_CONTRACT.token) private readonly monitoring: MonitoringContract) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: 'The scheduled jobs: schedule, time zone, next start, last run, running or not',
    description: 'synthesis, index-maintenance and cleanup. nextRunAt is absent when the answering node has jobs.enabled off.',
  })
  @ApiOkResponse({ type: JobListDto })
  listJobs(): Promise<JobListDto> {
    return this.monitoring.listJobs({});
  }

  @Get('runs')
  @RequireScope('read')
  @ApiOperation({ summary: 'Recorded runs, newest first: trigger, node, state, duration, summary, error' })
  @ApiOkResponse({ type: JobRunPageDto })
  @ApiBadRequestResponse({ description: 'An unknown job, or limit/offset out of range' })
  listJobRuns(@Query() query: JobRunsQuery): Promise<JobRunPageDto> {
    return this.monitoring.listJobRuns(query);
  }

  @Get('runs/:id')
  @RequireScope('read')
  @ApiOperation({ summary: 'One run (poll it to follow a run started by hand)' })
  @ApiOkResponse({ type: JobRunDto })
  @ApiNotFoundResponse({ description: 'No run with that id' })
  getJobRun(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobRunDto> {
    return this.monitoring.getJobRun({ id });
  }

  @Post(':name/run')
  @RequireScope('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Start a job now',
    description: '202 with the run (state running) once it is recorded; the work goes on in the background: poll GET /jobs/runs/:id.',
  })
  @ApiParam({ name: 'name', enum: JOB_NAMES })
  @ApiAcceptedResponse({ type: JobRunDto })
  @ApiBadRequestResponse({ description: 'Not a job name' })
  @ApiConflictResponse({ description: 'The job is running already (the message names the node)' })
  runJob(@Param('name') name: string): Promise<JobRunDto> {
    return this.monitoring.runJob({ job: name as JobName });
  }
}
