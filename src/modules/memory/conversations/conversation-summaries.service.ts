import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type {
  CompactTurnsCommand,
  CompactTurnsResultDto,
  IdleConversationListDto,
  IdleConversationsQuery,
  ListTurnsQuery,
  StoreConversationSummaryCommand,
  StoredConversationSummaryDto,
  TurnPageDto,
} from '../../../contracts/memory/conversation-synthesis.dto.js';
import { NotFoundError, ValidationFailedError } from '../../../contracts/errors.js';
import { lockVectorSequence } from '../semantic/semantic-items.service.js';
import { ConversationsService } from './conversations.service.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of the queries below
type Row = Record<string, any>;

/** Tag of the layer-2 rows that hold conversation summaries. */
export const CONVERSATION_SUMMARY_TAG = 'conversation';

const summaryItemKey = (conversationId: string, coveredUntil: number) => `conversation-summary:${conversationId}:${coveredUntil}`;

/**
 * The nightly synthesis's side of memory: which conversations wait for a summary, their turns,
 * storing a summary in layers 2 and 3 (one transaction), and compacting the raw turns a stored
 * summary covers. `conversation_summaries` records, per conversation, the last turn covered.
 */
@Injectable()
export class ConversationSummariesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly conversations: ConversationsService,
  ) {}

  async listIdleConversations(query: IdleConversationsQuery): Promise<IdleConversationListDto> {
    const rows: Row[] = await this.db.query(
      `SELECT c.id, c.title, c.created_at, c.updated_at, last.id AS last_turn_id, s.covered_until_turn_id, s.covered_turns, s.summary
         FROM conversations c
         LEFT JOIN conversation_summaries s ON s.conversation_id = c.id
         CROSS JOIN LATERAL (SELECT max(t.id) AS id FROM conversation_turns t WHERE t.conversation_id = c.id) last
        WHERE c.updated_at < $1 AND last.id IS NOT NULL AND last.id > coalesce(s.covered_until_turn_id, 0)
        ORDER BY c.updated_at, c.id LIMIT $2`,
      [new Date(query.idleBefore), query.limit],
    );
    return {
      conversations: rows.map((r) => ({
        id: r.id,
        title: r.title,
        createdAt: new Date(r.created_at).toISOString(),
        updatedAt: new Date(r.updated_at).toISOString(),
        lastTurnId: Number(r.last_turn_id),
        summarisedUntilTurnId: r.covered_until_turn_id === null ? null : Number(r.covered_until_turn_id),
        summary: r.summary ?? null,
        summarisedTurns: Number(r.covered_turns ?? 0),
      })),
    };
  }

  async listTurns(query: ListTurnsQuery): Promise<TurnPageDto> {
    const rows: Row[] = await this.db.query(
      `SELECT id, role, content, created_at FROM conversation_turns WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [query.conversationId, query.afterTurnId, query.limit],
    );
    return { turns: rows.map((r) => ({ id: Number(r.id), role: r.role, content: r.content, createdAt: new Date(r.created_at).toISOString() })) };
  }

  async storeConversationSummary(command: StoreConversationSummaryCommand): Promise<StoredConversationSummaryDto> {
    const { embedding } = command;
    if (Buffer.byteLength(embedding.vector, 'base64') !== embedding.dimensions * 4) {
      throw new ValidationFailedError(`the summary's vector does not have ${embedding.dimensions} dimensions`, { fields: ['embedding.vector'] });
    }
    return this.db.transaction(async (manager) => {
      const [conversation]: Row[] = await manager.query(
        `SELECT c.id, c.title, c.created_at,
                (SELECT max(created_at) FROM conversation_turns t WHERE t.conversation_id = c.id AND t.id <= $2) AS last_covered_at,
                (SELECT max(id) FROM conversation_turns t WHERE t.conversation_id = c.id) AS last_turn_id
           FROM conversations c WHERE c.id = $1 FOR UPDATE`,
        [command.conversationId, command.coveredUntilTurnId],
      );
      if (!conversation) throw new NotFoundError(`no conversation with id ${command.conversationId}`, { id: command.conversationId });
      if (conversation.last_turn_id === null || command.coveredUntilTurnId > Number(conversation.last_turn_id)) {
        throw new ValidationFailedError(`turn ${command.coveredUntilTurnId} is not a turn of conversation ${command.conversationId}`, { fields: ['coveredUntilTurnId'] });
      }
      const [existing]: Row[] = await manager.query('SELECT * FROM conversation_summaries WHERE conversation_id = $1', [command.conversationId]);
      if (existing && Number(existing.covered_until_turn_id) >= command.coveredUntilTurnId) {
        return {
          conversationId: command.conversationId,
          projectId: existing.project_id,
          itemId: Number(existing.item_id),
          stored: false,
          coveredUntilTurnId: Number(existing.covered_until_turn_id),
        };
      }
      const title = conversation.title || 'Conversation';
      const endedAt = conversation.last_covered_at ?? conversation.created_at;
      const projectId: string = existing?.project_id ?? randomUUID();
      await manager.query(
        `INSERT INTO projects (id, name, summary, tags, keywords, started_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, summary = EXCLUDED.summary, keywords = EXCLUDED.keywords, ended_at = EXCLUDED.ended_at`,
        [projectId, title, command.summary, [CONVERSATION_SUMMARY_TAG], command.keywords, conversation.created_at, endedAt],
      );
      const itemId = await this.replaceSummaryItem(manager, command, { projectId, title, previousItemId: existing?.item_id ?? null });
      await manager.query(
        `INSERT INTO conversation_summaries (conversation_id, project_id, item_id, summary, method, model, covered_until_turn_id, covered_turns, summarised_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
         ON CONFLICT (conversation_id) DO UPDATE SET item_id = EXCLUDED.item_id, summary = EXCLUDED.summary, method = EXCLUDED.method,
                model = EXCLUDED.model, covered_until_turn_id = EXCLUDED.covered_until_turn_id, covered_turns = EXCLUDED.covered_turns, summarised_at = now()`,
        [command.conversationId, projectId, itemId, command.summary, command.method, command.model ?? null, command.coveredUntilTurnId, command.coveredTurns],
      );
      return { conversationId: command.conversationId, projectId, itemId, stored: true, coveredUntilTurnId: command.coveredUntilTurnId };
    });
  }

  /**
   * The summary as a layer-3 item with its vector. A new summary is a new item (FAISS indexes add by
   * id and never update a vector in place); the previous one is deleted and its vectors become
   * tombstones, as for a deleted document.
   */
  private async replaceSummaryItem(
    manager: EntityManager,
    command: StoreConversationSummaryCommand,
    context: { projectId: string; title: string; previousItemId: string | null },
  ): Promise<number> {
    await lockVectorSequence(manager);
    const [item]: Row[] = await manager.query(
      `INSERT INTO semantic_items (kind, source_key, project_id, conversation_id, title, text)
       VALUES ('summary', $1, $2, $3, $4, $5)
       ON CONFLICT (source_key) DO UPDATE SET text = EXCLUDED.text, title = EXCLUDED.title
       RETURNING id`,
      [summaryItemKey(command.conversationId, command.coveredUntilTurnId), context.projectId, command.conversationId, context.title, command.summary],
    );
    await manager.query(
      `INSERT INTO semantic_vectors (item_id, model_id, dimensions, vector) VALUES ($1, $2, $3, $4)
       ON CONFLICT (item_id, model_id) DO NOTHING`,
      [item.id, command.embedding.model, command.embedding.dimensions, Buffer.from(command.embedding.vector, 'base64')],
    );
    if (context.previousItemId !== null && String(context.previousItemId) !== String(item.id)) {
      await manager.query('DELETE FROM semantic_items WHERE id = $1', [context.previousItemId]);
      await manager.query(
        `UPDATE semantic_vectors SET deleted = true, vector = ''::bytea, seq = nextval('semantic_vectors_seq')
          WHERE item_id = $1 AND NOT deleted`,
        [context.previousItemId],
      );
    }
    return Number(item.id);
  }

  async compactConversationTurns(command: CompactTurnsCommand): Promise<CompactTurnsResultDto> {
    // One statement: only turns at or before the covered turn of a stored summary, and old enough.
    const rows: Row[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM conversation_turns t USING conversation_summaries s
          WHERE t.conversation_id = s.conversation_id AND t.id <= s.covered_until_turn_id AND t.created_at < $1
          RETURNING t.conversation_id
       ), counts AS (
         SELECT conversation_id, count(*)::int AS n FROM gone GROUP BY conversation_id
       ), noted AS (
         UPDATE conversation_summaries s SET compacted_turns = s.compacted_turns + counts.n, compacted_at = now()
           FROM counts WHERE s.conversation_id = counts.conversation_id
         RETURNING s.conversation_id, counts.n
       )
       SELECT conversation_id, n FROM noted`,
      [new Date(command.olderThan)],
    );
    // Turns held in RAM for those conversations must not outlive their rows.
    this.conversations.forget(rows.map((r) => r.conversation_id as string));
    return { compactedTurns: rows.reduce((sum, r) => sum + Number(r.n), 0), conversations: rows.length };
  }
}
