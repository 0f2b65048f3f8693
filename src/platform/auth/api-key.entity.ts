import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Scope } from './scopes.js';

/** An API key as stored: never the key itself, only its SHA-256 digest and a short public prefix. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  /** The first characters of the key (e.g. `tars_3fK9a2`), shown in lists so that a key can be recognised. */
  @Column('text') prefix: string;
  /** Hex SHA-256 of the whole key. */
  @Column('text', { name: 'key_hash', unique: true }) keyHash: string;
  @Column('text', { array: true }) scopes: Scope[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt: Date | null;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
}
