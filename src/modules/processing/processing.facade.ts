import { Injectable } from '@nestjs/common';
import type { ProcessingContract } from '../../contracts/processing/processing.contract.js';
import { DocumentsService } from './documents/documents.service.js';
import { EmbedTextsService } from './embeddings/embed-texts.service.js';
import { IndexMaintenanceService } from './indexing/index-maintenance.service.js';
import { AnswerScorer } from './scoring/answer-scorer.js';
import { SemanticSearchService } from './search/semantic-search.service.js';

/** The processing contract's implementation. */
@Injectable()
export class ProcessingFacade implements ProcessingContract {
  constructor(
    private readonly documents: DocumentsService,
    private readonly search: SemanticSearchService,
    private readonly embeddings: EmbedTextsService,
    private readonly scorer: AnswerScorer,
    private readonly indexMaintenance: IndexMaintenanceService,
  ) {}

  submitDocument: ProcessingContract['submitDocument'] = (c) => this.documents.submitDocument(c);
  getDocument: ProcessingContract['getDocument'] = (q) => this.documents.getDocument(q);
  listDocuments: ProcessingContract['listDocuments'] = (q) => this.documents.listDocuments(q);
  deleteDocument: ProcessingContract['deleteDocument'] = (q) => this.documents.deleteDocument(q);
  semanticSearch: ProcessingContract['semanticSearch'] = (q) => this.search.semanticSearch(q);
  embedTexts: ProcessingContract['embedTexts'] = (c) => this.embeddings.embedTexts(c);
  listEmbeddingModels: ProcessingContract['listEmbeddingModels'] = async () => this.embeddings.listEmbeddingModels();
  scoreAnswer: ProcessingContract['scoreAnswer'] = (c) => this.scorer.score(c);
  compactIndexes: ProcessingContract['compactIndexes'] = (c) => this.indexMaintenance.compact(c);
  backupIndexes: ProcessingContract['backupIndexes'] = (c) => this.indexMaintenance.backup(c);
}
