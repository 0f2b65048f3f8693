import { Controller, Get, Inject, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  ConversationDto,
  ConversationListDto,
  ListConversationsQuery,
} from '../contracts/memory/conversation.dto.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../contracts/memory/memory.contract.js';
import { MemorySearchQuery, MemorySearchResultDto } from '../contracts/memory/search.dto.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';

@ApiTags('memory')
@RequireScope('read')
@ApiServiceUnavailableResponse({ description: 'No node serving the memory module answered in time' })
@Controller('memory')
export class MemoryController {
  constructor(@Inject(MEMORY_CONTRACT.token) private readonly memory: MemoryContract) {}

  @Get('search')
  @ApiOperation({
    summary: 'Hybrid search over the memory layers',
    description:
      'Vector similarity (semantic layer) and PostgreSQL full-text ranking (every layer) fused by reciprocal rank fusion. ' +
      'Each hit has its layer, source (document and chunk position, project, conversation or note), score and snippet. ' +
      '`notices` says when nothing matched or when only full-text search was available.',
  })
  @ApiOkResponse({ type: MemorySearchResultDto })
  searchMemory(@Query() query: MemorySearchQuery): Promise<MemorySearchResultDto> {
    return this.memory.search(query);
  }

  @Get('conversations')
  @ApiOperation({ summary: 'Conversations (memory layer 1), most recently active first' })
  @ApiOkResponse({ type: ConversationListDto })
  listConversations(@Query() query: ListConversationsQuery): Promise<ConversationListDto> {
    return this.memory.listConversations(query);
  }

  @Get('conversations/:id')
  @ApiOperation({ summary: 'A conversation with its recent turns' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiNotFoundResponse({ description: 'No conversation with that id' })
  getConversation(@Param('id', new ParseUUIDPipe()) id: string): Promise<ConversationDto> {
    return this.memory.getConversation({ id });
  }
}
