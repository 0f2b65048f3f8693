import { createHash, randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, Inject, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { MEMORY_CONTRACT, type MemoryContract } from '../contracts/memory/memory.contract.js';
import { NoteDto, NoteInputDto } from '../contracts/memory/note.dto.js';
import { ModuleUnavailableError } from '../contracts/errors.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';
import type { AuthenticatedRequest } from './api-access.guard.js';

/** A note id derived from the caller's idempotency key, so that a retried POST stores the note once. */
function idFromIdempotencyKey(keyId: string, idempotencyKey: string): string {
  const hex = createHash('sha256').update(`${keyId}:${idempotencyKey}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * When the memory module did not answer in time, the note may still be stored: say so, and give the
 * id it would have, so that the caller can check (GET) instead of storing it twice.
 */
function withOutcomeHint(err: unknown, noteId: string): unknown {
  if (!(err instanceof ModuleUnavailableError) || err.details?.reason !== 'timeout') return err;
  return new ModuleUnavailableError(
    `${err.message}. The note may still have been stored as ${noteId}: GET /memory/notes/${noteId} tells, ` +
      'or retry with the same Idempotency-Key header',
    { ...err.details, noteId },
  );
}

@ApiTags('memory')
@ApiServiceUnavailableResponse({ description: 'No node serving the memory module answered in time' })
@Controller('memory')
export class NotesController {
  constructor(@Inject(MEMORY_CONTRACT.token) private readonly memory: MemoryContract) {}

  @Post('notes')
  @RequireScope('write')
  @ApiOperation({ summary: 'Store a note' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Any string up to 200 characters; sending the same one again returns the note stored the first time',
  })
  @ApiCreatedResponse({ type: NoteDto })
  @ApiBadRequestResponse({ description: 'Invalid note; `fields` lists the problems' })
  createNote(
    @Body() body: NoteInputDto,
    @Req() req: AuthenticatedRequest,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<NoteDto> {
    const key = idempotencyKey?.slice(0, 200);
    const id = key ? idFromIdempotencyKey(req.principal?.keyId ?? '', key) : randomUUID();
    return this.memory.createNote({ ...body, id }).catch((err: unknown) => {
      throw withOutcomeHint(err, id);
    });
  }

  @Get('notes/:id')
  @RequireScope('read')
  @ApiOperation({ summary: 'Read a note' })
  @ApiOkResponse({ type: NoteDto })
  @ApiNotFoundResponse({ description: 'No note with that id' })
  getNote(@Param('id', new ParseUUIDPipe()) id: string): Promise<NoteDto> {
    return this.memory.getNote({ id });
  }
}
