// The machinery: cross-process locks, the job queue, the audit log and instance settings.
// Part of the schema (src/db/schema.ts re-exports every table; migrations are generated from it).
import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';
import { ms } from './columns.js';

/**
 * Cross-process locks (a repository's mirror: an update in the CLI and a dist build in the server
 * never touch it at once). A lease that its owner renews; a dead owner's lease is taken over.
 */
export const locks = sqliteTable('locks', {
  key: text('key').primaryKey(),
  /** host:pid:random of the holder. */
  owner: text('owner').notNull(),
  expiresAt: ms('expires_at').notNull(),
});

export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type').notNull(),
    /** Jobs with the same key never run at once, and a queued one absorbs new requests. */
    lockKey: text('lock_key').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['queued', 'running', 'done', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    runAfter: ms('run_after').notNull(),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: ms('lease_expires_at'),
    createdAt: ms('created_at').notNull(),
    startedAt: ms('started_at'),
    finishedAt: ms('finished_at'),
    error: text('error'),
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
    trigger: text('trigger').notNull(),
    /**
     * Higher runs first: updates asked for by a person or a webhook (1) never wait behind
     * scheduled and sync-driven work (0).
     */
    priority: integer('priority').notNull().default(0),
  },
  (t) => [index('jobs_status_run_after').on(t.status, t.runAfter), index('jobs_lock_key').on(t.lockKey, t.status)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: ms('at').notNull(),
    orgId: integer('org_id'),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  // audit_log_org_id: the UI's audit pages, newest first by id, without sorting the whole log.
  (t) => [index('audit_log_org_at').on(t.orgId, t.at), index('audit_log_org_id').on(t.orgId, t.id)],
);

/** Small instance-wide facts (e.g. the public_url the stored metadata was rendered with). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
