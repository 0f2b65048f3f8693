import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MEMORY_CONTRACT } from '../../contracts/memory/memory.contract.js';
import { contractMessageHandlers, provideLocalContract } from '../../platform/bus/contract-binding.js';
import { NoteEntity } from './notes/note.entity.js';
import { NotesService } from './notes/notes.service.js';

/**
 * Memory: what TARS remembers. So far, notes with full-text search. Offers MEMORY_CONTRACT to
 * this node and, when NATS is configured, to other nodes.
 */
@Global()
@Module({})
export class MemoryModule {
  static register(options: { serveOverNats: boolean }): DynamicModule {
    return {
      module: MemoryModule,
      imports: [TypeOrmModule.forFeature([NoteEntity])],
      providers: provideLocalContract(MEMORY_CONTRACT, NotesService),
      controllers: options.serveOverNats ? [contractMessageHandlers(MEMORY_CONTRACT)] : [],
      exports: [MEMORY_CONTRACT.token],
    };
  }
}
