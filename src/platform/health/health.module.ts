import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealth } from './database.health.js';
import { HealthController } from './health.controller.js';
import { NatsHealth } from './nats.health.js';
import { RemoteLlmHealth } from './remote-llm.health.js';

/** /health, /health/live and /health/ready on every node, whatever its roles. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [DatabaseHealth, NatsHealth, RemoteLlmHealth],
})
export class HealthModule {}
