import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { HitSourceDto, MemoryLayer } from '../../../contracts/memory/search.dto.js';

/** ts_headline options: a short excerpt around the best match, matches marked as **word**. */
export const HEADLINE_OPTIONS = 'StartSel=**, StopSel=**, MaxWords=35, MinWords=15, ShortWord=2, MaxFragments=2';

/** A full-text hit of one layer, before fusion. `key` is unique across layers. */
export interface TextHit {
  key: string;
  layer: MemoryLayer;
  kind: string;
  title: string;
  snippet: string;
  rank: number;
  source: HitSourceDto;
  itemId?: number;
}

const QUERIES: Record<MemoryLayer, string> = {
  semantic: `SELECT i.id, i.kind, i.title, i.document_id, i.project_id, i.conversation_id, i.chunk_index,
                    i.char_start, i.char_end, i.page_start, i.page_end,
                    ts_rank_cd(i.search, q) AS rank, ts_headline('english', i.text, q, $3) AS snippet
               FROM semantic_items i, websearch_to_tsquery('english', $1) q
              WHERE i.search @@ q ORDER BY rank DESC LIMIT $2`,
  notes: `SELECT n.id, n.title, ts_rank_cd(n.search, q) AS rank, ts_headline('english', n.text, q, $3) AS snippet
            FROM notes n, websearch_to_tsquery('english', $1) q
           WHERE n.search @@ q ORDER BY rank DESC, n.created_at DESC LIMIT $2`,
  projects: `SELECT p.id, p.name AS title, ts_rank_cd(p.search, q) AS rank,
                    ts_headline('english', CASE WHEN p.summary = '' THEN p.name ELSE p.summary END, q, $3) AS snippet
               FROM projects p, websearch_to_tsquery('english', $1) q
              WHERE p.search @@ q ORDER BY rank DESC LIMIT $2`,
  conversations: `SELECT t.id, t.conversation_id, t.role, c.title, ts_rank_cd(t.search, q) AS rank,
                         ts_headline('english', t.content, q, $3) AS snippet
                    FROM conversation_turns t JOIN conversations c ON c.id = t.conversation_id,
                         websearch_to_tsquery('english', $1) q
                   WHERE t.search @@ q ORDER BY rank DESC, t.id DESC LIMIT $2`,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of the queries above
type Row = Record<string, any>;

function toHit(layer: MemoryLayer, row: Row): TextHit {
  const base = { layer, title: row.title ?? '', snippet: row.snippet ?? '', rank: Number(row.rank) };
  switch (layer) {
    case 'semantic':
      return {
        ...base,
        key: `item:${row.id}`,
        kind: row.kind,
        itemId: Number(row.id),
        source: semanticSource(row),
      };
    case 'notes':
      return { ...base, key: `note:${row.id}`, kind: 'note', source: { noteId: row.id } };
    case 'projects':
      return { ...base, key: `project:${row.id}`, kind: 'project', source: { projectId: row.id } };
    case 'conversations':
      return {
        ...base,
        key: `turn:${row.id}`,
        kind: 'turn',
        source: { conversationId: row.conversation_id, turnId: Number(row.id) },
      };
  }
}

/** The citation of a semantic item row (snake_case columns). */
export function semanticSource(row: Row): HitSourceDto {
  const source: HitSourceDto = { itemId: Number(row.id) };
  if (row.document_id) {
    Object.assign(source, {
      documentId: row.document_id,
      documentTitle: row.title,
      chunkIndex: row.chunk_index ?? undefined,
      charStart: row.char_start ?? undefined,
      charEnd: row.char_end ?? undefined,
      pageStart: row.page_start ?? undefined,
      pageEnd: row.page_end ?? undefined,
    });
  }
  if (row.project_id) source.projectId = row.project_id;
  if (row.conversation_id) source.conversationId = row.conversation_id;
  return source;
}

/** PostgreSQL full-text search over each memory layer, ranked with ts_rank_cd. */
@Injectable()
export class FullTextSearch {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async search(layer: MemoryLayer, query: string, limit: number): Promise<TextHit[]> {
    const rows: Row[] = await this.db.query(QUERIES[layer], [query, limit, HEADLINE_OPTIONS]);
    return rows.map((row) => toHit(layer, row));
  }

  /**
   * The whole text of hits (for prompts), by hit key (`item:1`, `note:<uuid>`, `project:<uuid>`,
   * `turn:3`), each cut at `maxChars`.
   */
  async passageTexts(keys: string[], maxChars: number): Promise<Map<string, string>> {
    const ids = (prefix: string) => keys.filter((k) => k.startsWith(`${prefix}:`)).map((k) => k.slice(prefix.length + 1));
    const lookups: Array<[string, string, string[]]> = [
      ['item', 'SELECT id::text AS id, left(text, $2) AS text FROM semantic_items WHERE id = ANY($1::bigint[])', ids('item')],
      ['note', 'SELECT id::text AS id, left(text, $2) AS text FROM notes WHERE id = ANY($1::uuid[])', ids('note')],
      [
        'project',
        `SELECT id::text AS id, left(CASE WHEN summary = '' THEN name ELSE summary END, $2) AS text FROM projects WHERE id = ANY($1::uuid[])`,
        ids('project'),
      ],
      ['turn', 'SELECT id::text AS id, left(content, $2) AS text FROM conversation_turns WHERE id = ANY($1::bigint[])', ids('turn')],
    ];
    const texts = new Map<string, string>();
    for (const [prefix, sql, wanted] of lookups) {
      if (wanted.length === 0) continue;
      const rows: Row[] = await this.db.query(sql, [wanted, maxChars]);
      for (const row of rows) texts.set(`${prefix}:${row.id}`, row.text);
    }
    return texts;
  }

  /** Semantic items by id with a headline for the query (for hits found by vector search only). */
  async semanticItems(ids: number[], query: string): Promise<Map<number, TextHit>> {
    if (ids.length === 0) return new Map();
    const rows: Row[] = await this.db.query(
      `SELECT i.id, i.kind, i.title, i.document_id, i.project_id, i.conversation_id, i.chunk_index,
              i.char_start, i.char_end, i.page_start, i.page_end,
              ts_headline('english', i.text, websearch_to_tsquery('english', $2), $3) AS snippet
         FROM semantic_items i WHERE i.id = ANY($1::bigint[])`,
      [ids, query, HEADLINE_OPTIONS],
    );
    return new Map(rows.map((row) => [Number(row.id), toHit('semantic', { ...row, rank: 0 })]));
  }
}
