// Organizations, people and their access: users, forge identities, members, teams, tokens and UI sessions.
// Part of the schema (src/db/schema.ts re-exports every table; migrations are generated from it).
import { sqliteTable, integer, text, uniqueIndex, index, primaryKey } from 'drizzle-orm/sqlite-core';
import { ms } from './columns.js';

export const organizations = sqliteTable('organizations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  /** Set when the organization takes teams and members from a forge (step 4). */
  syncIntegration: text('sync_integration'),
  syncSource: text('sync_source'),
  /** Sync settings of a synced organization (null: ORG_SYNC_DEFAULTS); config-file orgs get the config's values at start-up. */
  syncSchedule: text('sync_schedule'),
  syncAutoAddPackages: integer('sync_auto_add_packages', { mode: 'boolean' }),
  syncInstallWebhooks: integer('sync_install_webhooks', { mode: 'boolean' }),
  /** From the config file (true) or created in the CLI/UI (false). */
  fromConfig: integer('from_config', { mode: 'boolean' }).notNull().default(false),
  /** Moves whenever membership or package access changes: part of per-token Last-Modified. */
  aclChangedAt: ms('acl_changed_at').notNull(),
  /** Moves whenever the list of packages or any package's metadata changes. */
  packagesChangedAt: ms('packages_changed_at').notNull(),
  createdAt: ms('created_at').notNull(),
});

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  login: text('login').notNull().unique(),
  name: text('name'),
  email: text('email'),
  isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
  /** scrypt hash for local (UI) login; null for forge-only users. */
  passwordHash: text('password_hash'),
  aclChangedAt: ms('acl_changed_at').notNull(),
  createdAt: ms('created_at').notNull(),
  disabledAt: ms('disabled_at'),
});

export const identities = sqliteTable(
  'identities',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    integration: text('integration').notNull(),
    /** The forge's stable numeric id, so a renamed login keeps its access. */
    externalId: text('external_id').notNull(),
    login: text('login').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('identities_integration_external').on(t.integration, t.externalId)],
);

export const orgMembers = sqliteTable(
  'org_members',
  {
    orgId: integer('org_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'member'] }).notNull(),
    /** 'local' (CLI/UI) or 'sync' (taken from the forge). */
    source: text('source', { enum: ['local', 'sync'] }).notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('org_members_user').on(t.userId)],
);

export const teams = sqliteTable(
  'teams',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    externalId: text('external_id'),
    parentId: integer('parent_id'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('teams_org_slug').on(t.orgId, t.slug)],
);

export const teamMembers = sqliteTable(
  'team_members',
  {
    teamId: integer('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['maintainer', 'member'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user').on(t.userId)],
);

export const tokens = sqliteTable(
  'tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['user', 'org'] }).notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    orgId: integer('org_id').references(() => organizations.id, { onDelete: 'cascade' }),
    scope: text('scope', { enum: ['read', 'update'] }).notNull(),
    name: text('name').notNull(),
    /** sha256 hex of the whole token. */
    hash: text('hash').notNull().unique(),
    /** First characters, shown to people so they can tell tokens apart. */
    hint: text('hint').notNull(),
    expiresAt: ms('expires_at'),
    createdAt: ms('created_at').notNull(),
    lastUsedAt: ms('last_used_at'),
    revokedAt: ms('revoked_at'),
  },
);

/**
 * Web UI sessions. The cookie holds a random value; only its sha256 is stored, so a leaked
 * database does not hand out live sessions. Ends at expires_at or after an idle period.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    /** sha256 hex of the cookie value. */
    id: text('id').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** The per-session CSRF token carried by every form and htmx request that changes state. */
    csrfToken: text('csrf_token').notNull(),
    createdAt: ms('created_at').notNull(),
    lastSeenAt: ms('last_seen_at').notNull(),
    /** Absolute end of the session, whatever its activity. */
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId), index('sessions_expires').on(t.expiresAt)],
);
