// Access tokens for composer and the API: created once (the secret is shown once), stored as a
// SHA-256 hash, resolved to a Principal on every request through a small in-memory cache;
// listed (never the secret) and revoked.
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import type { Sqlite, Tx } from '../db/client.js';
import { organizations, tokens, users } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';
import { generateToken, hashToken, parseToken, tokenHint, type TokenScope } from '../domain/tokens.js';
import type { Principal } from '../domain/policy.js';
import { getOrg } from './orgs.js';
import { getUser } from './users.js';
import { GenerationCache, type ChangeTracker } from './change-tracker.js';

export interface CreateTokenInput {
  user?: string | undefined;
  org?: string | undefined;
  scope: TokenScope;
  name?: string | undefined;
  /** YYYY-MM-DD: the token works through the end of that day (UTC). */
  expires?: string | undefined;
}

export function parseExpiry(date: string, now = Date.now()): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const at = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999) : NaN;
  if (!m || Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== date) {
    throw new AppError('BAD_REQUEST', `--expires must be a date as YYYY-MM-DD (got "${date}")`);
  }
  if (at < now) throw new AppError('BAD_REQUEST', `--expires ${date} is in the past`);
  return at;
}

export function createToken(db: Tx, input: CreateTokenInput, actor: string): { token: string; id: number; hint: string; expiresAt: number | null } {
  if (!input.user && !input.org) {
    throw new AppError('BAD_REQUEST', 'an organization token needs --org ORG (or pass --user LOGIN for a user token)');
  }
  const expiresAt = input.expires ? parseExpiry(input.expires) : null;
  return db.transaction((tx) => {
    const user = input.user ? getUser(tx, input.user) : null;
    const org = input.org ? getOrg(tx, input.org) : null;
    const kind = user ? 'user' : 'org';
    const token = generateToken(kind);
    const name = input.name ?? (user ? `${user.login}${org ? ` @ ${org.name}` : ''}` : `${org?.name} CI`);
    const row = tx
      .insert(tokens)
      .values({
        kind,
        userId: user?.id ?? null,
        orgId: org?.id ?? null,
        scope: input.scope,
        name,
        hash: hashToken(token),
        hint: tokenHint(token),
        expiresAt,
        createdAt: Date.now(),
      })
      .returning({ id: tokens.id })
      .get();
    writeAudit(tx, { orgId: org?.id ?? null, actor, action: 'token.create', target: name, details: { id: row.id, kind, scope: input.scope, user: user?.login } });
    return { token, id: row.id, hint: tokenHint(token), expiresAt };
  });
}

/** Revokes a token: the server refuses it from its next request on (its cache follows the database). */
export function revokeToken(db: Tx, id: number, actor: string): void {
  db.transaction((tx) => {
    const row = tx.select().from(tokens).where(and(eq(tokens.id, id), isNull(tokens.revokedAt))).get();
    if (!row) throw new AppError('NOT_FOUND', `token ${id} does not exist or is already revoked (see: packyard token list --all)`);
    tx.update(tokens).set({ revokedAt: Date.now() }).where(eq(tokens.id, id)).run();
    const owner = row.userId === null ? null : tx.select({ login: users.login }).from(users).where(eq(users.id, row.userId)).get()?.login;
    writeAudit(tx, { orgId: row.orgId, actor, action: 'token.revoke', target: row.name, details: { id, ...(owner ? { user: owner } : {}) } });
  });
}

/** A token as people see it: never the secret, only its first characters. */
export interface TokenListing {
  id: number;
  kind: 'user' | 'org';
  /** The user's login for a user token; null for an organization (CI) token. */
  owner: string | null;
  userId: number | null;
  /** The organization it is for (an org token, or a user token narrowed to it); null: every org the user may read. */
  org: string | null;
  orgId: number | null;
  scope: 'read' | 'update';
  name: string;
  hint: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  status: 'active' | 'expired' | 'revoked';
}

export interface TokenFilter {
  /** Tokens for this organization: its CI tokens and user tokens narrowed to it. */
  org?: string | undefined;
  /** Tokens of this user (every organization, "all orgs" ones included). */
  user?: string | undefined;
  /** Revoked and expired tokens too (default: active ones only). */
  all?: boolean | undefined;
}

function selectTokens(db: Tx, where: SQL[], now: number): TokenListing[] {
  const rows = db
    .select({ t: tokens, owner: users.login, org: organizations.name })
    .from(tokens)
    .leftJoin(users, eq(users.id, tokens.userId))
    .leftJoin(organizations, eq(organizations.id, tokens.orgId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(tokens.createdAt), desc(tokens.id))
    .all();
  return rows.map(({ t, owner, org }): TokenListing => ({
    id: t.id, kind: t.kind, owner: t.kind === 'user' ? owner : null, userId: t.userId, org, orgId: t.orgId, scope: t.scope, name: t.name,
    hint: t.hint, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt,
    status: t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt < now ? 'expired' : 'active',
  }));
}

/** Lists tokens, newest first; by default only those that still work. */
export function listTokens(db: Tx, filter: TokenFilter = {}, now = Date.now()): TokenListing[] {
  const where: SQL[] = [];
  if (filter.org !== undefined) where.push(eq(tokens.orgId, getOrg(db, filter.org).id));
  if (filter.user !== undefined) where.push(eq(tokens.userId, getUser(db, filter.user).id));
  return selectTokens(db, where, now).filter((t) => filter.all || t.status === 'active');
}

/** One token's listing (any status), or null. */
export function findToken(db: Tx, id: number, now = Date.now()): TokenListing | null {
  return selectTokens(db, [eq(tokens.id, id)], now)[0] ?? null;
}

interface TokenLookupRow {
  id: number;
  kind: 'user' | 'org';
  user_id: number | null;
  org_id: number | null;
  scope: 'read' | 'update';
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  is_admin: number | null;
  disabled_at: number | null;
}

/**
 * Resolves bearer secrets to principals through a cache that empties whenever the database
 * changes (see ChangeTracker), so a token revoked by the CLI stops working on the next request.
 */
export class TokenAuthenticator {
  private readonly cache = new GenerationCache<string, TokenLookupRow | null>();
  private readonly lookup;
  private readonly touch;

  constructor(
    sqlite: Sqlite,
    private readonly tracker: ChangeTracker,
  ) {
    this.lookup = sqlite.prepare(
      `SELECT t.id, t.kind, t.user_id, t.org_id, t.scope, t.expires_at, t.revoked_at, t.last_used_at, u.is_admin, u.disabled_at
       FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.hash = ?`,
    );
    this.touch = sqlite.prepare(`UPDATE tokens SET last_used_at = ? WHERE id = ?`);
  }

  authenticate(secret: string, now = Date.now(), gen = this.tracker.current()): Principal | null {
    if (!parseToken(secret)) return null;
    const hash = hashToken(secret);
    const row = this.cache.get(gen, hash, () => (this.lookup.get(hash) as TokenLookupRow | undefined) ?? null);
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at < now) || row.disabled_at !== null) return null;
    // Recording use at most once a minute keeps the hot path free of writes.
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      row.last_used_at = now;
      this.touch.run(now, row.id);
    }
    return {
      kind: 'token',
      tokenId: row.id,
      tokenKind: row.kind,
      userId: row.user_id,
      orgId: row.org_id,
      scope: row.scope,
      isAdmin: row.is_admin === 1,
    };
  }
}
