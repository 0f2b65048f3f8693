import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { TurnRole } from '../../../contracts/memory/conversation.dto.js';

/** Layer 1: a conversation. */
@Entity({ name: 'conversations' })
export class ConversationEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') title: string;
  @Column('integer', { name: 'turn_count' }) turnCount: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}

/** Layer 1: one message of a conversation. */
@Entity({ name: 'conversation_turns' })
export class TurnEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column('uuid', { name: 'conversation_id' }) conversationId: string;
  @Column('text') role: TurnRole;
  @Column('text') content: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
