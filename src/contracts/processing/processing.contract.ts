import { defineContract } from '../contract.js';
import {
  DocumentIdQuery,
  type DocumentDto,
  type DocumentListDto,
  ListDocumentsQuery,
  SubmitDocumentCommand,
  type SubmitDocumentResultDto,
} from './document.dto.js';
import {
  type EmbeddingModelInfoDto,
  EmbedTextsCommand,
  type EmbedTextsResultDto,
  ListEmbeddingModelsQuery,
} from './embed-texts.dto.js';
import {
  BackupIndexesCommand,
  CompactIndexesCommand,
  type IndexBackupResultDto,
  type IndexCompactionResultDto,
} from './index-maintenance.dto.js';
import { type AnswerScoreDto, ScoreAnswerCommand } from './score-answer.dto.js';
import { SemanticSearchQuery, type SemanticSearchResult } from './semantic-search.dto.js';

/** The processing module, as any other module sees it: ingestion of documents, vector search, embeddings and answer scoring. */
export interface ProcessingContract {
  /** Checks an upload's type, stores the document and queues its ingestion; a known content hash returns the existing document. */
  submitDocument(command: SubmitDocumentCommand): Promise<SubmitDocumentResultDto>;
  /** A document and its ingestion status; NotFoundError when unknown. */
  getDocument(query: DocumentIdQuery): Promise<DocumentDto>;
  /** Documents, newest first. */
  listDocuments(query: ListDocumentsQuery): Promise<DocumentListDto>;
  /** Removes a document, its upload, its chunks and their vectors. */
  deleteDocument(query: DocumentIdQuery): Promise<DocumentDto>;
  /** Embeds the query and returns the nearest semantic items of the vector index. */
  semanticSearch(query: SemanticSearchQuery): Promise<SemanticSearchResult>;
  /** Embeds texts with a registry model (falling back along embeddings.fallback); ModelNotFoundError for an unknown id. */
  embedTexts(command: EmbedTextsCommand): Promise<EmbedTextsResultDto>;
  /** The embedding models of the registry. */
  listEmbeddingModels(query: ListEmbeddingModelsQuery): Promise<EmbeddingModelInfoDto[]>;
  /** Rates an answer from token embeddings: BERTScore F1 against the reference when given, else relevance to the question and context. */
  scoreAnswer(command: ScoreAnswerCommand): Promise<AnswerScoreDto>;
  /** Catches the FAISS indexes up with PostgreSQL and rebuilds them without removed (tombstoned) vectors. */
  compactIndexes(command: CompactIndexesCommand): Promise<IndexCompactionResultDto>;
  /** Writes a consistent snapshot of the saved index files (with a SHA-256 manifest) into <dataDir>/backups/index/<timestamp>/, keeping the newest `keep`. */
  backupIndexes(command: BackupIndexesCommand): Promise<IndexBackupResultDto>;
}

export const PROCESSING_CONTRACT = defineContract<ProcessingContract>({
  module: 'processing',
  token: 'ProcessingContract',
  methods: {
    submitDocument: { subject: 'processing.documents.submit', request: SubmitDocumentCommand },
    getDocument: { subject: 'processing.documents.get', request: DocumentIdQuery },
    listDocuments: { subject: 'processing.documents.list', request: ListDocumentsQuery },
    deleteDocument: { subject: 'processing.documents.delete', request: DocumentIdQuery },
    semanticSearch: { subject: 'processing.search.semantic', request: SemanticSearchQuery },
    embedTexts: { subject: 'processing.embeddings.embed', request: EmbedTextsCommand, timeoutMs: 60_000 },
    listEmbeddingModels: { subject: 'processing.embeddings.models', request: ListEmbeddingModelsQuery },
    scoreAnswer: { subject: 'processing.scoring.score', request: ScoreAnswerCommand, timeoutMs: 60_000 },
    // A rebuild of a large HNSW index takes minutes.
    compactIndexes: { subject: 'processing.indexes.compact', request: CompactIndexesCommand, timeoutMs: 1_800_000 },
    backupIndexes: { subject: 'processing.indexes.backup', request: BackupIndexesCommand, timeoutMs: 600_000 },
  },
});
