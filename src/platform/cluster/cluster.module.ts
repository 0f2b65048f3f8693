import { Global, Module } from '@nestjs/common';
import { HeartbeatPublisher } from './heartbeat.publisher.js';
import { LocalHeartbeats } from './local-heartbeats.js';
import { NodeStats } from './node-stats.js';

/**
 * Cluster awareness on every node, whatever its roles: the heartbeat this node publishes (name,
 * roles, version, uptime, load, queue depths). The monitoring module keeps the view of them all.
 */
@Global()
@Module({
  providers: [LocalHeartbeats, NodeStats, HeartbeatPublisher],
  exports: [LocalHeartbeats, NodeStats],
})
export class ClusterModule {}
