import { Injectable } from '@nestjs/common';
import type { JobListDto, JobRunDto, JobRunIdQuery, JobRunPageDto, JobRunsQuery, RunJobCommand } from '../../../contracts/monitoring/job.dto.js';

/** Scheduled jobs and their runs. (Stub: filled in by the jobs work.) */
@Injectable()
export class JobService {
  listJobs(): Promise<JobListDto> {
    throw new Error('not implemented yet');
  }
  listRuns(_query: JobRunsQuery): Promise<JobRunPageDto> {
    throw new Error('not implemented yet');
  }
  run(_command: RunJobCommand): Promise<JobRunDto> {
    throw new Error('not implemented yet');
  }
  getRun(_query: JobRunIdQuery): Promise<JobRunDto> {
    throw new Error('not implemented yet');
  }
}
