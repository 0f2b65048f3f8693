import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MEMORY_CONTRACT } from '../../contracts/memory/memory.contract.js';
import { contractMessageHandlers, provideLocalContract } from '../../platform/bus/contract-binding.js';
import { ConversationEntity, TurnEntity } from './conversations/conversation.entity.js';
import { ConversationSummariesService } from './conversations/conversation-summaries.service.js';
import { ConversationsService } from './conversations/conversations.service.js';
import { MemoryFacade } from './memory.facade.js';
import { NoteEntity } from './notes/note.entity.js';
import { NotesService } from './notes/notes.service.js';
import { ProjectEntity } from './projects/project.entity.js';
import { ProjectsService } from './projects/projects.service.js';
import { FullTextSearch } from './search/full-text.search.js';
import { HybridSearchService } from './search/hybrid-search.service.js';
import { SemanticItemsService } from './semantic/semantic-items.service.js';

/**
 * Memory: what TARS remembers — notes and the three layers (conversations, projects, semantic
 * items), with hybrid search. Offers MEMORY_CONTRACT to
 * this node and, when NATS is configured, to other nodes.
 */
@Global()
@Module({})
export class MemoryModule {
  static register(options: { serveOverNats: boolean }): DynamicModule {
    return {
      module: MemoryModule,
      imports: [TypeOrmModule.forFeature([NoteEntity, ConversationEntity, TurnEntity, ProjectEntity])],
      providers: [
        NotesService,
        ConversationsService,
        ConversationSummariesService,
        ProjectsService,
        SemanticItemsService,
        FullTextSearch,
        HybridSearchService,
        ...provideLocalContract(MEMORY_CONTRACT, MemoryFacade),
      ],
      controllers: options.serveOverNats ? [contractMessageHandlers(MEMORY_CONTRACT)] : [],
      exports: [MEMORY_CONTRACT.token],
    };
  }
}
