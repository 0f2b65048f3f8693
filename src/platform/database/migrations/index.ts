import { CreateApiKeys1763900000000 } from './1763900000000-create-api-keys.js';
import { CreateNotes1763900001000 } from './1763900001000-create-notes.js';
import { CreateMemoryLayers1763990000000 } from './1763990000000-create-memory-layers.js';
import { CreateDocuments1763990001000 } from './1763990001000-create-documents.js';
import { CreateQuestions1764000000000 } from './1764000000000-create-questions.js';
import { CreateMonitoringAlerts1764100002000 } from './1764100002000-create-monitoring-alerts.js';
import { CreateJobRuns1764100003000 } from './1764100003000-create-job-runs.js';
import { IndexQuestionsByCreation1764100004000 } from './1764100004000-index-questions-by-creation.js';

/** Every migration, oldest first. ESM has no directory globbing at run time: add new ones here. */
export const MIGRATIONS = [
  CreateApiKeys1763900000000,
  CreateNotes1763900001000,
  CreateMemoryLayers1763990000000,
  CreateDocuments1763990001000,
  CreateQuestions1764000000000,
  CreateMonitoringAlerts1764100002000,
  CreateJobRuns1764100003000,
  IndexQuestionsByCreation1764100004000,
];
