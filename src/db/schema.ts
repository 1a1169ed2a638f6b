// Drizzle table definitions. Times are integer milliseconds since the epoch (UTC) everywhere.
// Migrations are generated from this file (npm run db:generate) and committed, never edited.
import type { DeliveryTargets } from '../domain/deliveries.js';
import { sqliteTable, integer, text, blob, uniqueIndex, index, primaryKey } from 'drizzle-orm/sqlite-core';

const ms = (name: string) => integer(name, { mode: 'number' });

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

export const credentials = sqliteTable(
  'credentials',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type', { enum: ['http-basic', 'ssh-key', 'token'] }).notNull(),
    /** AES-256-GCM ciphertext of the secret JSON (see src/services/crypto.ts). */
    secret: blob('secret', { mode: 'buffer' }).notNull(),
    /** Non-secret facts shown to people: user name, key fingerprint, pinned hosts. */
    info: text('info', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    /** PEM of an extra CA trusted for https with this credential (public, not sealed). */
    caPem: text('ca_pem'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [uniqueIndex('credentials_org_name').on(t.orgId, t.name)],
);

export const packages = sqliteTable(
  'packages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    /** vendor/name from the default branch's composer.json; null until the first good import. */
    name: text('name'),
    url: text('url').notNull(),
    vcsType: text('vcs_type', { enum: ['git', 'hg', 'svn'] }).notNull(),
    /** Driver options (svn layout: trunk-path, branches-path, tags-path, package-path); null for defaults. */
    vcsOptions: text('vcs_options', { mode: 'json' }).$type<Record<string, string | false>>(),
    credentialId: integer('credential_id').references(() => credentials.id, { onDelete: 'set null' }),
    /** Secret part of the generic hook URL /hooks/generic/HOOK_TOKEN (stored hashed). */
    hookTokenHash: text('hook_token_hash'),
    defaultBranch: text('default_branch'),
    /** sha256 of the last remote listing: an unchanged listing means nothing to do. */
    remoteStateHash: text('remote_state_hash'),
    status: text('status', { enum: ['new', 'ok', 'error'] }).notNull(),
    lastUpdatedAt: ms('last_updated_at'),
    lastError: text('last_error'),
    lastErrorCode: text('last_error_code'),
    lastErrorAt: ms('last_error_at'),
    /** The forge integration whose credentials reach the repository (packages added by sync). */
    integration: text('integration'),
    /** Synced packages: 'active', or 'archived'/'deleted' on the forge (kept and served, marked). */
    forgeStatus: text('forge_status', { enum: ['active', 'archived', 'deleted'] }),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('packages_org_name').on(t.orgId, t.name), uniqueIndex('packages_org_url').on(t.orgId, t.url)],
);

/**
 * SSH host keys pinned per host (`host` or `[host]:port`, as known_hosts writes it). Captured on
 * first use (source first-use, shown to admins) or given by an admin; enforced from then on.
 */
export const hostKeys = sqliteTable(
  'host_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    host: text('host').notNull(),
    keyType: text('key_type').notNull(),
    /** Base64 of the public key blob, as in known_hosts. */
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    source: text('source', { enum: ['first-use', 'admin'] }).notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('host_keys_host_type').on(t.host, t.keyType)],
);

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
    /** Whether the default branch has a composer.json: yes, no, or unknown (not checked yet). */
    composer: text('composer', { enum: ['yes', 'no', 'unknown'] }).notNull(),
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
  },
  (t) => [uniqueIndex('deliveries_integration_delivery').on(t.integration, t.deliveryId), index('deliveries_received').on(t.receivedAt)],
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

/** Who may read a package beyond the organization-wide rules: a team or a single user (synced orgs). */
export const packageAccess = sqliteTable(
  'package_access',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
    teamId: integer('team_id').references(() => teams.id, { onDelete: 'cascade' }),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The forge permission it came from (pull, triage, push, maintain, admin, or a custom role). */
    permission: text('permission').notNull(),
    source: text('source', { enum: ['local', 'sync'] }).notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('package_access_team').on(t.packageId, t.teamId),
    uniqueIndex('package_access_user').on(t.packageId, t.userId),
    index('package_access_user_idx').on(t.userId),
    index('package_access_team_idx').on(t.teamId),
  ],
);

/** Every ref seen at the last update, with what became of it (published version or skip reason). */
export const packageRefs = sqliteTable(
  'package_refs',
  {
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['tag', 'branch'] }).notNull(),
    name: text('name').notNull(),
    commit: text('commit').notNull(),
    version: text('version'),
    skipReason: text('skip_reason'),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.kind, t.name] })],
);

/** Published versions; `data` is the version entry without dist/source URLs (added when rendering). */
export const versions = sqliteTable(
  'versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
    version: text('version').notNull(),
    normalized: text('normalized').notNull(),
    isDev: integer('is_dev', { mode: 'boolean' }).notNull(),
    refKind: text('ref_kind', { enum: ['tag', 'branch'] }).notNull(),
    refName: text('ref_name').notNull(),
    commit: text('commit').notNull(),
    stability: text('stability').notNull(),
    time: text('time'),
    data: text('data').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [
    uniqueIndex('versions_package_normalized').on(t.packageId, t.normalized),
    index('versions_package_commit').on(t.packageId, t.commit),
    // The default branch's version of a package (its description in the UI's package lists).
    index('versions_package_ref').on(t.packageId, t.refKind, t.refName),
  ],
);

/** composer.json per commit (null content: the commit has none), so unchanged refs are never re-read. */
export const manifestCache = sqliteTable(
  'manifest_cache',
  {
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
    commit: text('commit').notNull(),
    content: blob('content', { mode: 'buffer' }),
    time: text('time'),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.commit] })],
);

/** The stored p2 files: written when a package changes, served as they are. */
export const metadataFiles = sqliteTable(
  'metadata_files',
  {
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['tags', 'dev'] }).notNull(),
    json: blob('json', { mode: 'buffer' }).notNull(),
    gzip: blob('gzip', { mode: 'buffer' }).notNull(),
    sha1: text('sha1').notNull(),
    /** Whole seconds: HTTP dates have one-second resolution. */
    lastModified: ms('last_modified').notNull(),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.kind] })],
);

export const dists = sqliteTable(
  'dists',
  {
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
    commit: text('commit').notNull(),
    /** Relative to data_dir/dists. */
    path: text('path').notNull(),
    size: integer('size').notNull(),
    sha1: text('sha1').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.commit] })],
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

/** Installs reported by composer (notify-batch), counted per version per day. */
export const downloads = sqliteTable(
  'downloads',
  {
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
    normalized: text('normalized').notNull(),
    day: text('day').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.normalized, t.day] })],
);

/** Small instance-wide facts (e.g. the public_url the stored metadata was rendered with). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

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
