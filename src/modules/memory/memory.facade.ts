import { Injectable } from '@nestjs/common';
import type { MemoryContract } from '../../contracts/memory/memory.contract.js';
import { ConversationSummariesService } from './conversations/conversation-summaries.service.js';
import { ConversationsService } from './conversations/conversations.service.js';
import { NotesService } from './notes/notes.service.js';
import { ProjectsService } from './projects/projects.service.js';
import { HybridSearchService } from './search/hybrid-search.service.js';
import { SemanticItemsService } from './semantic/semantic-items.service.js';

/** The memory contract's implementation: each method handed to the service of its layer. */
@Injectable()
export class MemoryFacade implements MemoryContract {
  constructor(
    private readonly notes: NotesService,
    private readonly conversations: ConversationsService,
    private readonly projects: ProjectsService,
    private readonly semantic: SemanticItemsService,
    private readonly hybrid: HybridSearchService,
    private readonly summaries: ConversationSummariesService,
  ) {}

  createNote: MemoryContract['createNote'] = (c) => this.notes.createNote(c);
  getNote: MemoryContract['getNote'] = (q) => this.notes.getNote(q);
  search: MemoryContract['search'] = (q) => this.hybrid.search(q);
  appendTurn: MemoryContract['appendTurn'] = (c) => this.conversations.appendTurn(c);
  listConversations: MemoryContract['listConversations'] = (q) => this.conversations.listConversations(q);
  getConversation: MemoryContract['getConversation'] = (q) => this.conversations.getConversation(q);
  listIdleConversations: MemoryContract['listIdleConversations'] = (q) => this.summaries.listIdleConversations(q);
  listTurns: MemoryContract['listTurns'] = (q) => this.summaries.listTurns(q);
  storeConversationSummary: MemoryContract['storeConversationSummary'] = (c) => this.summaries.storeConversationSummary(c);
  compactConversationTurns: MemoryContract['compactConversationTurns'] = (c) => this.summaries.compactConversationTurns(c);
  createProject: MemoryContract['createProject'] = (c) => this.projects.createProject(c);
  listProjects: MemoryContract['listProjects'] = (q) => this.projects.listProjects(q);
  getProject: MemoryContract['getProject'] = (q) => this.projects.getProject(q);
  storeChunks: MemoryContract['storeChunks'] = (c) => this.semantic.storeChunks(c);
  deleteDocumentItems: MemoryContract['deleteDocumentItems'] = (c) => this.semantic.deleteDocumentItems(c);
  scanVectors: MemoryContract['scanVectors'] = (q) => this.semantic.scanVectors(q);
}
