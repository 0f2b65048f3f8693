import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TarsConfig } from '../config/tars-config.js';
import { ApiKeyEntity } from '../platform/auth/api-key.entity.js';
import { ApiKeysService } from '../platform/auth/api-keys.service.js';
import { AdminKeyBootstrap } from './admin-key.bootstrap.js';
import { AlertsController } from './alerts.controller.js';
import { API_KEYS_SERVICE, ApiAccessGuard } from './api-access.guard.js';
import { ChatAnswers } from './chat/chat-answers.js';
import { ChatController } from './chat/chat.controller.js';
import { DegradedChat } from './chat/degraded-chat.js';
import { StreamSlots } from './chat/stream-slots.js';
import { ClusterController } from './cluster.controller.js';
import { KeysController } from './keys.controller.js';
import { DocumentsController } from './documents.controller.js';
import { JobsController } from './jobs.controller.js';
import { MemoryController } from './memory.controller.js';
import { NotesController } from './notes.controller.js';
import { ChatCompletionsController } from './openai/chat-completions.controller.js';
import { EmbeddingsController } from './openai/embeddings.controller.js';
import { ModelsController } from './openai/models.controller.js';
import { ProjectsController } from './projects.controller.js';
import { QuestionsController } from './questions.controller.js';

/**
 * The REST surface: controllers that depend on module contracts only, API keys with scopes, and
 * per-key rate limits. Swagger is set up at start (see swagger.ts).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKeyEntity]),
    ThrottlerModule.forRootAsync({
      inject: [TarsConfig],
      useFactory: (config: TarsConfig) => [
        { name: 'default', ttl: config.auth.rateLimit.windowMs, limit: config.auth.rateLimit.limit },
      ],
    }),
  ],
  controllers: [
    NotesController,
    MemoryController,
    ProjectsController,
    DocumentsController,
    KeysController,
    ChatController,
    ChatCompletionsController,
    ModelsController,
    EmbeddingsController,
    QuestionsController,
    AlertsController,
    ClusterController,
    JobsController,
  ],
  providers: [
    {
      provide: API_KEYS_SERVICE,
      inject: [DataSource, TarsConfig],
      useFactory: (dataSource: DataSource, config: TarsConfig) => new ApiKeysService(dataSource, config.auth.keyCacheTtlMs),
    },
    { provide: APP_GUARD, useClass: ApiAccessGuard },
    AdminKeyBootstrap,
    StreamSlots,
    ChatAnswers,
    DegradedChat,
  ],
})
export class ApiModule {}
