import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PROCESSING_CONTRACT } from '../../contracts/processing/processing.contract.js';
import { contractMessageHandlers, provideLocalContract } from '../../platform/bus/contract-binding.js';
import { DocumentEntity } from './documents/document.entity.js';
import { DOCUMENT_TYPE_DETECTOR, DocumentsService } from './documents/documents.service.js';
import { EmbeddingsModule } from './embeddings/embeddings.module.js';
import { IndexMaintenanceService } from './indexing/index-maintenance.service.js';
import { VectorIndexes } from './indexing/vector-index.provider.js';
import { IngestionService } from './ingestion/ingestion.service.js';
import { ProcessingFacade } from './processing.facade.js';
import { ingestQueueProvider } from './queue/ingest-queue.provider.js';
import { ScoringModule } from './scoring/scoring.module.js';
import { SemanticSearchService } from './search/semantic-search.service.js';
import { detectDocumentType } from './text/detect-document-type.js';

/**
 * Processing: turns documents into memory (extraction, cleaning, chunking, embeddings) on a
 * durable job queue, and keeps the FAISS indexes that vector search uses.
 */
@Global()
@Module({})
export class ProcessingModule {
  static register(options: { serveOverNats: boolean }): DynamicModule {
    return {
      module: ProcessingModule,
      imports: [TypeOrmModule.forFeature([DocumentEntity]), EmbeddingsModule, ScoringModule],
      providers: [
        DocumentsService,
        VectorIndexes,
        IndexMaintenanceService,
        SemanticSearchService,
        IngestionService,
        ingestQueueProvider,
        { provide: DOCUMENT_TYPE_DETECTOR, useValue: detectDocumentType },
        ...provideLocalContract(PROCESSING_CONTRACT, ProcessingFacade),
      ],
      controllers: options.serveOverNats ? [contractMessageHandlers(PROCESSING_CONTRACT)] : [],
      exports: [PROCESSING_CONTRACT.token],
    };
  }
}
