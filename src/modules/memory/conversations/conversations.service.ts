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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row of the query below
type Row = Record<string, any>;

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

  /** Drops conversations from RAM (their turns changed in PostgreSQL, e.g. compacted); read again when asked for. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.hot.delete(id);
  }

  /**
   * One statement (atomic, one round trip): creates the conversation on its first turn or counts the
   * turn, then inserts the turn. It is on the path of every chat answer, so it stays cheap.
   */
  async appendTurn(command: AppendTurnCommand): Promise<TurnDto> {
    const title = titleFrom(command.content);
    const rows: Row[] = await this.db.query(
      `WITH conversation AS (
         INSERT INTO conversations AS c (id, title, turn_count) VALUES ($1, CASE WHEN $2 = 'user' THEN $3 ELSE '' END, 1)
         ON CONFLICT (id) DO UPDATE SET turn_count = c.turn_count + 1, updated_at = now(),
                title = CASE WHEN c.title = '' AND $2 = 'user' THEN $3 ELSE c.title END
         RETURNING id, title, turn_count, created_at, updated_at, (xmax = 0) AS created
       ), turn AS (
         INSERT INTO conversation_turns (conversation_id, role, content) SELECT id, $2, $4 FROM conversation
         RETURNING id, role, content, created_at
       )
       SELECT c.id, c.title, c.turn_count, c.created_at, c.updated_at, c.created,
              t.id AS turn_id, t.role, t.content, t.created_at AS turn_created_at
         FROM conversation c, turn t`,
      [command.conversationId, command.role, title, command.content],
    );
    const row = rows[0];
    const turn: TurnDto = { id: Number(row.turn_id), role: row.role, content: row.content, createdAt: new Date(row.turn_created_at).toISOString() };
    const summary: ConversationSummaryDto = {
      id: row.id,
      title: row.title,
      turnCount: row.turn_count,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
    // A new conversation has no earlier turns; a known one not held in RAM is read once.
    const cached = this.hot.get(command.conversationId);
    const earlier = cached?.turns ?? (row.created ? [] : await this.loadTurns(command.conversationId, this.config.memory.recentTurns));
    const turns = [...earlier, turn];
    const unique = turns.filter((t, i) => turns.findIndex((u) => u.id === t.id) === i);
    this.hot.set(command.conversationId, { summary, turns: unique.slice(-this.config.memory.recentTurns) });
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
