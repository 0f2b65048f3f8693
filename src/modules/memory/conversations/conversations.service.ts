import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { TarsConfig } from '../../../config/tars-config.js';
import type {
  AppendTurnCommand,
  ConversationDto,
  ConversationListDto,
  ConversationSummaryDto,
  GetConversationQuery,
  ListConversationsQuery,
  TurnDto,
} from '../../../contracts/memory/conversation.dto.js';
import { NotFoundError } from '../../../contracts/errors.js';
import { BoundedLru } from './bounded-lru.js';
import { ConversationEntity, TurnEntity } from './conversation.entity.js';

const TITLE_LENGTH = 80;

interface HotConversation {
  summary: ConversationSummaryDto;
  /** The most recent turns, oldest first, at most memory.recentTurns. */
  turns: TurnDto[];
}

function toTurn(turn: TurnEntity): TurnDto {
  return { id: Number(turn.id), role: turn.role, content: turn.content, createdAt: turn.createdAt.toISOString() };
}

function toSummary(c: ConversationEntity): ConversationSummaryDto {
  return { id: c.id, title: c.title, turnCount: c.turnCount, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
}

function titleFrom(content: string): string {
  const oneLine = content.replace(/\s+/g, ' ').trim();
  return oneLine.length <= TITLE_LENGTH ? oneLine : `${oneLine.slice(0, TITLE_LENGTH - 1)}…`;
}

/**
 * Memory layer 1: conversations and their turns. The recently active ones are kept hot in RAM
 * (bounded); every turn is written through to PostgreSQL before it is acknowledged.
 */
@Injectable()
export class ConversationsService {
  private readonly hot: BoundedLru<string, HotConversation>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: TarsConfig,
  ) {
    this.hot = new BoundedLru(config.memory.activeConversations);
  }

  /** Ids of the conversations currently held in RAM, most recent last. */
  hotConversationIds(): string[] {
    return this.hot.keys();
  }

  async appendTurn(command: AppendTurnCommand): Promise<TurnDto> {
    const { turn, conversation } = await this.db.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO conversations (id, title) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
        [command.conversationId, command.role === 'user' ? titleFrom(command.content) : ''],
      );
      const saved = await manager.getRepository(TurnEntity).save(
        manager.getRepository(TurnEntity).create({
          conversationId: command.conversationId,
          role: command.role,
          content: command.content,
        }),
      );
      // A conversation started by the assistant gets its title from the first user turn.
      await manager.query(
        `UPDATE conversations SET turn_count = turn_count + 1, updated_at = now(),
                title = CASE WHEN title = '' AND $2 = 'user' THEN $3 ELSE title END
          WHERE id = $1`,
        [command.conversationId, command.role, titleFrom(command.content)],
      );
      const updated = await manager.getRepository(ConversationEntity).findOneByOrFail({ id: command.conversationId });
      return { turn: toTurn(saved), conversation: toSummary(updated) };
    });
    const cached = this.hot.get(command.conversationId);
    const turns = [...(cached?.turns ?? (await this.loadTurns(command.conversationId, this.config.memory.recentTurns))), turn];
    const unique = turns.filter((t, i) => turns.findIndex((u) => u.id === t.id) === i);
    this.hot.set(command.conversationId, { summary: conversation, turns: unique.slice(-this.config.memory.recentTurns) });
    return turn;
  }

  async getConversation(query: GetConversationQuery): Promise<ConversationDto> {
    const wanted = query.turns ?? this.config.memory.recentTurns;
    const cached = this.hot.get(query.id);
    if (cached && wanted <= this.config.memory.recentTurns) {
      return { ...cached.summary, turns: cached.turns.slice(-wanted) };
    }
    const conversation = await this.db.getRepository(ConversationEntity).findOneBy({ id: query.id });
    if (!conversation) throw new NotFoundError(`no conversation with id ${query.id}`, { id: query.id });
    return { ...toSummary(conversation), turns: await this.loadTurns(query.id, wanted) };
  }

  async listConversations(query: ListConversationsQuery): Promise<ConversationListDto> {
    const [rows, total] = await this.db.getRepository(ConversationEntity).findAndCount({
      order: { updatedAt: 'DESC' },
      take: query.limit ?? 50,
      skip: query.offset ?? 0,
    });
    return { conversations: rows.map(toSummary), total };
  }

  private async loadTurns(conversationId: string, limit: number): Promise<TurnDto[]> {
    const rows = await this.db.getRepository(TurnEntity).find({
      where: { conversationId },
      order: { id: 'DESC' },
      take: limit,
    });
    return rows.reverse().map(toTurn);
  }
}
