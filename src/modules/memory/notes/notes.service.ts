import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { MemoryContract } from '../../../contracts/memory/memory.contract.js';
import type {
  CreateNoteCommand,
  GetNoteQuery,
  NoteDto,
  NoteSearchResultDto,
  SearchNotesQuery,
} from '../../../contracts/memory/note.dto.js';
import { NotFoundError } from '../../../contracts/errors.js';
import { NoteEntity } from './note.entity.js';

const DEFAULT_LIMIT = 10;
// ts_headline options: a short excerpt around the best match, matches marked as **word**.
const HEADLINE_OPTIONS = 'StartSel=**, StopSel=**, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2';

interface SearchRow {
  id: string;
  title: string;
  text: string;
  tags: string[];
  created_at: Date;
  rank: number;
  snippet: string;
}

function toDto(row: Pick<NoteEntity, 'id' | 'title' | 'text' | 'tags' | 'createdAt'>): NoteDto {
  return { id: row.id, title: row.title, text: row.text, tags: row.tags, createdAt: row.createdAt.toISOString() };
}

/** Notes: the memory module's first feature. Implements the notes part of the memory contract. */
@Injectable()
export class NotesService implements MemoryContract {
  constructor(@InjectRepository(NoteEntity) private readonly notes: Repository<NoteEntity>) {}

  async createNote(command: CreateNoteCommand): Promise<NoteDto> {
    // ON CONFLICT DO NOTHING makes a retried call (same id) harmless: the stored note is returned.
    await this.notes
      .createQueryBuilder()
      .insert()
      .values({ id: command.id, title: command.title, text: command.text, tags: command.tags ?? [] })
      .orIgnore()
      .execute();
    return this.getNote({ id: command.id });
  }

  async getNote(query: GetNoteQuery): Promise<NoteDto> {
    const note = await this.notes.findOneBy({ id: query.id });
    if (!note) throw new NotFoundError(`no note with id ${query.id}`, { id: query.id });
    return toDto(note);
  }

  async searchNotes(query: SearchNotesQuery): Promise<NoteSearchResultDto> {
    const rows: SearchRow[] = await this.notes.query(
      `SELECT id, title, text, tags, created_at, ts_rank_cd(search, q) AS rank,
              ts_headline('english', text, q, $3) AS snippet
         FROM notes, websearch_to_tsquery('english', $1) AS q
        WHERE search @@ q
        ORDER BY rank DESC, created_at DESC
        LIMIT $2`,
      [query.q, query.limit ?? DEFAULT_LIMIT, HEADLINE_OPTIONS],
    );
    return {
      query: query.q,
      hits: rows.map((row) => ({
        note: toDto({ ...row, createdAt: new Date(row.created_at) }),
        rank: Number(row.rank),
        snippet: row.snippet,
      })),
    };
  }
}
