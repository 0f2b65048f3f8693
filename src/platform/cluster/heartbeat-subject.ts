import { HEARTBEAT_SUBJECT } from '../../contracts/monitoring/heartbeat.js';
import { prefixedSubject } from '../bus/nats-options.js';

/** The full subject of the heartbeats of an install (`<nats.subjectPrefix>.cluster.heartbeat`). */
export function heartbeatSubject(subjectPrefix: string): string {
  return prefixedSubject(subjectPrefix, HEARTBEAT_SUBJECT);
}
