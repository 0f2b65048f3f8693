import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealth } from './database.health.js';
import { DiskHealth } from './disk.health.js';
import { HealthController } from './health.controller.js';
import { JetStreamHealth } from './jetstream.health.js';
import { MemoryHealth } from './memory.health.js';
import { NatsHealth } from './nats.health.js';
import { ReadinessChecks } from './readiness-checks.js';
import { RemoteLlmHealth } from './remote-llm.health.js';
import { VectorIndexHealth } from './vector-index.health.js';

/** /health, /health/live and /health/ready on every node, whatever its roles; readiness checks what the roles run. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [DatabaseHealth, NatsHealth, RemoteLlmHealth, JetStreamHealth, VectorIndexHealth, DiskHealth, MemoryHealth, ReadinessChecks],
  // The heartbeat carries the readiness checks too.
  exports: [ReadinessChecks],
})
export class HealthModule {}
