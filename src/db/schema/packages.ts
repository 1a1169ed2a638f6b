// Packages and what an update stores: credentials, host keys, refs, versions, composer.json cache, p2 files, dists, read grants and download counts.
// Part of the schema (src/db/schema.ts re-exports every table; migrations are generated from it).
import { sqliteTable, integer, text, blob, uniqueIndex, index, primaryKey } from 'drizzle-orm/sqlite-core';
import { ms } from './columns.js';
import { organizations, users, teams } from './accounts.js';

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
    /**
     * The hosts (`host` or `host:port`, lowercase) the credential is handed to; git, hg, svn and
     * ssh get it for no other host. Empty until given (`--host`) or bound to the host of the
     * first package an owner attaches it to.
     */
    hosts: text('hosts', { mode: 'json' }).$type<string[]>().notNull().default([]),
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
    /** Secret part of the generic hook URL /hooks/generic/HOOK_TOKEN, hashed: how a delivery finds its package. */
    hookTokenHash: text('hook_token_hash'),
    /**
     * The same token sealed (SecretBox, src/services/hook-urls.ts) so that the package page can show
     * the URL again; null for tokens made before migration 0009 (shown as "Replace to see the URL").
     */
    hookTokenSealed: blob('hook_token_sealed', { mode: 'buffer' }),
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

/**
 * Dists of removed packages, kept downloadable for existing lock files until `expires_at`
 * (housekeeping then deletes the row and the file). The package row itself is gone: its metadata
 * disappeared at once. `path` is relative to data_dir/dists, as in `dists`.
 */
export const removedDists = sqliteTable(
  'removed_dists',
  {
    orgId: integer('org_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    /** vendor/name the package had when it was removed. */
    packageName: text('package_name').notNull(),
    /** The removed package's id (ids are never reused), for the files under data_dir/dists/<id>/. */
    packageId: integer('package_id').notNull(),
    commit: text('commit').notNull(),
    path: text('path').notNull(),
    size: integer('size').notNull(),
    sha1: text('sha1').notNull(),
    removedAt: ms('removed_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.packageName, t.commit] }), index('removed_dists_expires').on(t.expiresAt)],
);
