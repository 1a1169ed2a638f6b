// What sync and webhooks keep: the forge listing, sync runs, webhook deliveries, per-integration state,
// the installed forge hooks and the API cache.
// Part of the schema (src/db/schema.ts re-exports every table; migrations are generated from it).
import type { DeliveryTargets } from '../../domain/deliveries.js';
import { sqliteTable, integer, text, blob, uniqueIndex, index, primaryKey } from 'drizzle-orm/sqlite-core';
import { ms } from './columns.js';
import { organizations } from './accounts.js';
import { packages } from './packages.js';

/** Repositories of a synced organization's forge, as the last complete listing saw them. */
export const forgeRepos = sqliteTable(
  'forge_repos',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    integration: text('integration').notNull(),
    externalId: text('external_id').notNull(),
    fullName: text('full_name').notNull(),
    defaultBranch: text('default_branch').notNull(),
    visibility: text('visibility').notNull(),
    archived: integer('archived', { mode: 'boolean' }).notNull(),
    deletedAt: ms('deleted_at'),
    cloneUrl: text('clone_url').notNull(),
    pushedAt: text('pushed_at'),
    /**
     * Whether the default branch has a composer.json: yes, no, or unknown (not checked yet);
     * ignored: its package was removed, so auto-add leaves it alone (an owner may add it again).
     */
    composer: text('composer', { enum: ['yes', 'no', 'unknown', 'ignored'] }).notNull(),
    /** The pushed_at value composer.json was last checked at (unchanged pushes are not re-checked). */
    composerCheckedAt: text('composer_checked_at'),
    packageId: integer('package_id').references(() => packages.id, { onDelete: 'set null' }),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [uniqueIndex('forge_repos_org_external').on(t.orgId, t.externalId), index('forge_repos_package').on(t.packageId)],
);

/** One reconciliation of an organization with its forge: what it planned, applied, or why it failed. */
export const syncRuns = sqliteTable(
  'sync_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    trigger: text('trigger').notNull(),
    status: text('status', { enum: ['running', 'applied', 'unchanged', 'failed', 'dry-run'] }).notNull(),
    startedAt: ms('started_at').notNull(),
    finishedAt: ms('finished_at'),
    /** Counts of the plan (users, teams, memberships, grants, packages). */
    summary: text('summary', { mode: 'json' }).$type<Record<string, number>>(),
    error: text('error'),
    requests: integer('requests'),
    /** What the forge could not tell in this run (OrgSnapshot.notes), shown as is; null: nothing. */
    notes: text('notes', { mode: 'json' }).$type<string[]>(),
  },
  (t) => [index('sync_runs_org').on(t.orgId, t.startedAt)],
);

/** Webhook deliveries received: deduplication by the forge's delivery id, and the delivery log. */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    integration: text('integration').notNull(),
    deliveryId: text('delivery_id').notNull(),
    event: text('event').notNull(),
    action: text('action'),
    receivedAt: ms('received_at').notNull(),
    status: text('status', { enum: ['accepted', 'ignored', 'rejected', 'failed'] }).notNull(),
    /** What was done: the jobs enqueued, or why nothing was. */
    outcome: text('outcome').notNull(),
    /** What the delivery queued, for the activity page and "Replay" (null before migration 0006). */
    targets: text('targets', { mode: 'json' }).$type<DeliveryTargets>(),
    /**
     * Deliveries on a package's generic hook URL (integration 'generic'): the package (its
     * deliveries go with it), and the refs the body named (Azure DevOps refUpdates, CodeCommit
     * references); null for forge deliveries. Since migration 0009.
     */
    packageId: integer('package_id').references(() => packages.id, { onDelete: 'cascade' }),
    refs: text('refs', { mode: 'json' }).$type<string[]>(),
  },
  (t) => [
    uniqueIndex('deliveries_integration_delivery').on(t.integration, t.deliveryId),
    index('deliveries_received').on(t.receivedAt),
    index('deliveries_package').on(t.packageId, t.receivedAt),
  ],
);

/** Per-integration state Packyard keeps itself: the generated webhook secret, the installed hook. */
export const integrationState = sqliteTable('integration_state', {
  integration: text('integration').primaryKey(),
  /** Sealed webhook secret, generated when the config has none. */
  webhookSecret: blob('webhook_secret', { mode: 'buffer' }),
  /** JSON: hook ids by forge organization. */
  hooks: text('hooks', { mode: 'json' }).$type<Record<string, string>>(),
  updatedAt: ms('updated_at').notNull(),
});

/**
 * The webhooks Packyard installed on a forge for one sync source, as the last sync left them:
 * one row per hook (scope 'source': one for the whole source, target = the source; 'repository':
 * one per package repository, target = its forge id). Rewritten by every sync that installs hooks.
 */
export const forgeHooks = sqliteTable(
  'forge_hooks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    integration: text('integration').notNull(),
    source: text('source').notNull(),
    scope: text('scope', { enum: ['source', 'repository'] }).notNull(),
    target: text('target').notNull(),
    /** The hook URL (public_url/hooks/INTEGRATION). */
    url: text('url').notNull(),
    hookId: text('hook_id'),
    /**
     * Keyed fingerprint (SecretBox.fingerprint) of the secret the hook was last set with; forges
     * never return a hook's secret, so this tells whether it must be sent again. Null: unknown.
     */
    secretFingerprint: text('secret_fingerprint'),
    /** unknown: carried over from before this table (migration 0008), not checked since. */
    outcome: text('outcome', { enum: ['ok', 'created', 'repaired', 'failed', 'unknown'] }).notNull(),
    /** Why it failed, or what was repaired. */
    detail: text('detail'),
    checkedAt: ms('checked_at').notNull(),
  },
  (t) => [uniqueIndex('forge_hooks_target').on(t.integration, t.source, t.scope, t.target, t.url)],
);

/** Conditional-request cache for forge APIs (ETag and body by URL), shared by the CLI and the server. */
export const forgeHttpCache = sqliteTable(
  'forge_http_cache',
  {
    integration: text('integration').notNull(),
    /** The client's cache key (accept header and URL). */
    url: text('url').notNull(),
    etag: text('etag').notNull(),
    body: blob('body', { mode: 'buffer' }).notNull(),
    /** The Link header of a cached page (pagination continues after a 304). */
    link: text('link'),
    storedAt: ms('stored_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.integration, t.url] })],
);
