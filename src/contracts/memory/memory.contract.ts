import { defineContract } from '../contract.js';
import {
  AppendTurnCommand,
  type ConversationDto,
  type ConversationListDto,
  GetConversationQuery,
  ListConversationsQuery,
  type TurnDto,
} from './conversation.dto.js';
import {
  type CompactTurnsResultDto,
  CompactTurnsCommand,
  type IdleConversationListDto,
  IdleConversationsQuery,
  ListTurnsQuery,
  StoreConversationSummaryCommand,
  type StoredConversationSummaryDto,
  type TurnPageDto,
} from './conversation-synthesis.dto.js';
import { CreateNoteCommand, GetNoteQuery, type NoteDto } from './note.dto.js';
import {
  CreateProjectCommand,
  ListProjectsQuery,
  type ProjectDto,
  ProjectIdQuery,
  type ProjectListDto,
} from './project.dto.js';
import { MemorySearchQuery, type MemorySearchResultDto } from './search.dto.js';
import {
  DocumentItemsCommand,
  ScanVectorsQuery,
  type ScanVectorsResult,
  StoreChunksCommand,
  type StoreChunksResult,
} from './semantic.dto.js';

/** The memory module, as any other module sees it: notes and the three memory layers. */
export interface MemoryContract {
  /** Stores a note. Idempotent: storing the same id again returns the note already stored. */
  createNote(command: CreateNoteCommand): Promise<NoteDto>;
  /** Reads a note; NotFoundError when there is none with that id. */
  getNote(query: GetNoteQuery): Promise<NoteDto>;
  /** Hybrid retrieval over the layers (vector similarity and full text, fused), best first, with sources. */
  search(query: MemorySearchQuery): Promise<MemorySearchResultDto>;

  /** Layer 1: adds a turn to a conversation, creating the conversation on its first turn. */
  appendTurn(command: AppendTurnCommand): Promise<TurnDto>;
  /** Layer 1: conversations, most recently active first. */
  listConversations(query: ListConversationsQuery): Promise<ConversationListDto>;
  /** Layer 1: a conversation with its recent turns; NotFoundError when unknown. */
  getConversation(query: GetConversationQuery): Promise<ConversationDto>;
  /** Layer 1: conversations idle since a time with turns newer than their summary, least recently active first (for the nightly synthesis). */
  listIdleConversations(query: IdleConversationsQuery): Promise<IdleConversationListDto>;
  /** Layer 1: a conversation's turns after a turn id, oldest first. */
  listTurns(query: ListTurnsQuery): Promise<TurnPageDto>;
  /** Layers 2 and 3: stores a conversation's summary (project row + embedded summary item), replacing the previous one. Idempotent. */
  storeConversationSummary(command: StoreConversationSummaryCommand): Promise<StoredConversationSummaryDto>;
  /** Layer 1: deletes old raw turns that a stored summary covers (never others). */
  compactConversationTurns(command: CompactTurnsCommand): Promise<CompactTurnsResultDto>;

  /** Layer 2: records a project. Idempotent by id. */
  createProject(command: CreateProjectCommand): Promise<ProjectDto>;
  /** Layer 2: projects, newest first. */
  listProjects(query: ListProjectsQuery): Promise<ProjectListDto>;
  /** Layer 2: one project; NotFoundError when unknown. */
  getProject(query: ProjectIdQuery): Promise<ProjectDto>;

  /** Layer 3: stores a document's chunks with their vectors. Idempotent per document, chunk index and model. */
  storeChunks(command: StoreChunksCommand): Promise<StoreChunksResult>;
  /** Layer 3: removes a document's chunks; their vectors become tombstones for the indexes. */
  deleteDocumentItems(command: DocumentItemsCommand): Promise<{ deletedItems: number }>;
  /** Layer 3: vectors of a model changed after a sequence number, oldest first (the source of truth of FAISS). */
  scanVectors(query: ScanVectorsQuery): Promise<ScanVectorsResult>;
}

export const MEMORY_CONTRACT = defineContract<MemoryContract>({
  module: 'memory',
  token: 'MemoryContract',
  methods: {
    createNote: { subject: 'memory.notes.create', request: CreateNoteCommand },
    getNote: { subject: 'memory.notes.get', request: GetNoteQuery },
    search: { subject: 'memory.search', request: MemorySearchQuery },
    appendTurn: { subject: 'memory.conversations.append', request: AppendTurnCommand },
    listConversations: { subject: 'memory.conversations.list', request: ListConversationsQuery },
    getConversation: { subject: 'memory.conversations.get', request: GetConversationQuery },
    listIdleConversations: { subject: 'memory.conversations.idle', request: IdleConversationsQuery },
    listTurns: { subject: 'memory.conversations.turns', request: ListTurnsQuery },
    storeConversationSummary: { subject: 'memory.conversations.summary.store', request: StoreConversationSummaryCommand },
    compactConversationTurns: { subject: 'memory.conversations.compact', request: CompactTurnsCommand, timeoutMs: 300_000 },
    createProject: { subject: 'memory.projects.create', request: CreateProjectCommand },
    listProjects: { subject: 'memory.projects.list', request: ListProjectsQuery },
    getProject: { subject: 'memory.projects.get', request: ProjectIdQuery },
    storeChunks: { subject: 'memory.semantic.store', request: StoreChunksCommand },
    deleteDocumentItems: { subject: 'memory.semantic.delete-document', request: DocumentItemsCommand },
    scanVectors: { subject: 'memory.semantic.scan', request: ScanVectorsQuery },
  },
});
