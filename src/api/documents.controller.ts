import { randomUUID } from 'node:crypto';
import { Controller, Delete, Get, HttpStatus, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TarsConfig } from '../config/tars-config.js';
import { ValidationFailedError } from '../contracts/errors.js';
import {
  DocumentDto,
  DocumentListDto,
  ListDocumentsQuery,
  SubmitDocumentResultDto,
} from '../contracts/processing/document.dto.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../contracts/processing/processing.contract.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';
import { validatePayload } from '../platform/bus/validate-payload.js';
import { UploadStore } from '../platform/uploads/upload-store.js';
import { DocumentTextDto } from './dto/document-upload.dto.js';

interface Upload {
  bytes: Buffer;
  filename?: string;
  mimeType?: string;
}

@ApiTags('documents')
@Controller('documents')
export class DocumentsController {
  constructor(
    @Inject(PROCESSING_CONTRACT.token) private readonly processing: ProcessingContract,
    private readonly uploads: UploadStore,
    private readonly config: TarsConfig,
  ) {}

  @Post()
  @RequireScope('write')
  @ApiOperation({
    summary: 'Add a document to memory',
    description:
      'A file as multipart/form-data (field `file`: plain text, Markdown, HTML or PDF; the type is detected from the content) ' +
      'or JSON `{ "text": "...", "filename": "notes.md" }`. Answers 202 with the queued document, or 200 with the ' +
      'document already stored when the same content was sent before (`duplicate: true`).',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        file: { type: 'string', format: 'binary', description: 'multipart only' },
        text: { type: 'string', description: 'JSON only' },
        filename: { type: 'string' },
      },
    },
  })
  @ApiAcceptedResponse({ type: SubmitDocumentResultDto, description: 'Stored and queued for ingestion' })
  @ApiOkResponse({ type: SubmitDocumentResultDto, description: 'The same content was already stored' })
  @ApiBadRequestResponse({ description: 'Empty content or a malformed request' })
  @ApiPayloadTooLargeResponse({ description: 'Larger than processing.maxUploadBytes (files) or http.bodyLimitBytes (JSON)' })
  @ApiUnsupportedMediaTypeResponse({ description: 'A type TARS cannot read (images, archives, binary data...)' })
  async createDocument(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SubmitDocumentResultDto> {
    const upload = req.isMultipart() ? await this.readMultipart(req) : this.readJson(req.body);
    if (upload.bytes.length === 0) throw new ValidationFailedError('the document is empty', { fields: ['the document is empty'] });
    const stored = await this.uploads.put(upload.bytes);
    const result = await this.processing.submitDocument({
      documentId: randomUUID(),
      uploadId: stored.id,
      contentHash: stored.contentHash,
      sizeBytes: stored.sizeBytes,
      filename: upload.filename?.slice(0, 255),
      mimeType: upload.mimeType?.slice(0, 255),
    });
    void reply.status(result.duplicate ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return result;
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Documents, newest first, with their ingestion status' })
  @ApiOkResponse({ type: DocumentListDto })
  listDocuments(@Query() query: ListDocumentsQuery): Promise<DocumentListDto> {
    return this.processing.listDocuments(query);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'A document: status (queued, processing, indexed, failed + reason) and chunk count' })
  @ApiOkResponse({ type: DocumentDto })
  @ApiNotFoundResponse({ description: 'No document with that id' })
  getDocument(@Param('id', new ParseUUIDPipe()) id: string): Promise<DocumentDto> {
    return this.processing.getDocument({ id });
  }

  @Delete(':id')
  @RequireScope('write')
  @ApiOperation({ summary: 'Remove a document, its chunks and their vectors' })
  @ApiOkResponse({ type: DocumentDto })
  @ApiNotFoundResponse({ description: 'No document with that id' })
  deleteDocument(@Param('id', new ParseUUIDPipe()) id: string): Promise<DocumentDto> {
    return this.processing.deleteDocument({ id });
  }

  private async readMultipart(req: FastifyRequest): Promise<Upload> {
    const file = await req.file({ limits: { fileSize: this.config.processing.maxUploadBytes, files: 1 } });
    if (!file) throw new ValidationFailedError('no file in the form: send it in the field `file`', { fields: ['file is required'] });
    // toBuffer() throws a 413 error past the size limit, before the whole body is read into memory.
    const bytes = await file.toBuffer();
    return { bytes, filename: file.filename, mimeType: file.mimetype };
  }

  private readJson(body: unknown): Upload {
    const dto = validatePayload(DocumentTextDto, body ?? {});
    return { bytes: Buffer.from(dto.text, 'utf8'), filename: dto.filename, mimeType: 'text/plain' };
  }
}
