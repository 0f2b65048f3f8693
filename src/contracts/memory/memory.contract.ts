import { defineContract } from '../contract.js';
import {
  CreateNoteCommand,
  GetNoteQuery,
  type NoteDto,
  type NoteSearchResultDto,
  SearchNotesQuery,
} from './note.dto.js';

/** The memory module, as any other module sees it. */
export interface MemoryContract {
  /** Stores a note. Idempotent: storing the same id again returns the note already stored. */
  createNote(command: CreateNoteCommand): Promise<NoteDto>;
  /** Reads a note; NotFoundError when there is none with that id. */
  getNote(query: GetNoteQuery): Promise<NoteDto>;
  /** Full-text search over titles, tags and texts, best match first. */
  searchNotes(query: SearchNotesQuery): Promise<NoteSearchResultDto>;
}

export const MEMORY_CONTRACT = defineContract<MemoryContract>({
  module: 'memory',
  token: 'MemoryContract',
  methods: {
    createNote: { subject: 'memory.notes.create', request: CreateNoteCommand },
    getNote: { subject: 'memory.notes.get', request: GetNoteQuery },
    searchNotes: { subject: 'memory.notes.search', request: SearchNotesQuery },
  },
});
