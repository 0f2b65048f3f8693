import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { CreateNoteCommand, GetNoteQuery, NoteDto } from '../../../contracts/memory/note.dto.js';
import { NotFoundError } from '../../../contracts/errors.js';
import { NoteEntity } from './note.entity.js';

function toDto(row: Pick<NoteEntity, 'id' | 'title' | 'text' | 'tags' | 'createdAt'>): NoteDto {
  return { id: row.id, title: row.title, text: row.text, tags: row.tags, createdAt: row.createdAt.toISOString() };
}

/** Notes: short texts the owner asks TARS to remember, found by full-text search. */
@Injectable()
export class NotesService {
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
}
