// Local users: created by the CLI (admins with a password for the UI) or by forge sync; disabled
// (sessions and tokens revoked at once), enabled again, or deleted (the audit trail stays).
import { and, eq, isNull, ne } from 'drizzle-orm';
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Tx } from '../db/client.js';
import { organizations, orgMembers, sessions, tokens, users } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';

export type UserRow = typeof users.$inferSelect;

const LOGIN_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt$16384$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(expected, got);
}

export function findUser(db: Tx, login: string): UserRow | null {
  return db.select().from(users).where(eq(users.login, login)).get() ?? null;
}

export function getUser(db: Tx, login: string): UserRow {
  const u = findUser(db, login);
  if (!u) throw new AppError('USER_NOT_FOUND', `user "${login}" does not exist`, { login });
  return u;
}

export function createUser(db: Tx, login: string, opts: { admin?: boolean; password?: string }, actor: string): UserRow {
  if (!LOGIN_RE.test(login)) {
    throw new AppError('BAD_REQUEST', `login "${login}" must be 1 to 64 letters, digits, dots, dashes or underscores`, { login });
  }
  if (opts.password !== undefined && opts.password.length < 8) {
    throw new AppError('BAD_REQUEST', 'the password must have at least 8 characters');
  }
  return db.transaction((tx) => {
    if (findUser(tx, login)) throw new AppError('USER_EXISTS', `user "${login}" already exists`, { login });
    const now = Date.now();
    const row = tx
      .insert(users)
      .values({
        login,
        isAdmin: opts.admin ?? false,
        passwordHash: opts.password !== undefined ? hashPassword(opts.password) : null,
        aclChangedAt: now,
        createdAt: now,
      })
      .returning()
      .get();
    writeAudit(tx, { orgId: null, actor, action: 'user.create', target: login, details: { admin: row.isAdmin } });
    return row;
  });
}

/** Refuses to take away the last working instance admin (nobody could manage the instance in the UI). */
function checkNotLastAdmin(tx: Tx, user: UserRow, doing: string): void {
  if (!user.isAdmin || user.disabledAt !== null) return;
  const others = tx.select({ id: users.id }).from(users).where(and(eq(users.isAdmin, true), isNull(users.disabledAt), ne(users.id, user.id))).all();
  if (others.length === 0) {
    throw new AppError('USER_LAST_ADMIN', `cannot ${doing} user "${user.login}": it is the last instance admin (create another with: packyard user create LOGIN --admin)`, { login: user.login });
  }
}

/**
 * Disables a user: they can no longer sign in (password or forge), their sessions end and every
 * token of theirs is revoked at once; memberships and the audit trail stay. Syncs do not enable
 * them again (nothing but `enable` clears disabled_at).
 */
export function disableUser(db: Tx, login: string, actor: string): { sessions: number; tokens: number } {
  return db.transaction((tx) => {
    const user = getUser(tx, login);
    if (user.disabledAt !== null) throw new AppError('BAD_REQUEST', `user "${login}" is already disabled`, { login });
    checkNotLastAdmin(tx, user, 'disable');
    const now = Date.now();
    tx.update(users).set({ disabledAt: now, aclChangedAt: now }).where(eq(users.id, user.id)).run();
    const ended = tx.delete(sessions).where(eq(sessions.userId, user.id)).run().changes;
    const revoked = tx.update(tokens).set({ revokedAt: now }).where(and(eq(tokens.userId, user.id), isNull(tokens.revokedAt))).run().changes;
    writeAudit(tx, { orgId: null, actor, action: 'user.disable', target: login, details: { sessions: ended, tokens: revoked } });
    return { sessions: ended, tokens: revoked };
  });
}

/** Enables a disabled user again: they may sign in; the tokens revoked by disable stay revoked. */
export function enableUser(db: Tx, login: string, actor: string): void {
  db.transaction((tx) => {
    const user = getUser(tx, login);
    if (user.disabledAt === null) throw new AppError('BAD_REQUEST', `user "${login}" is not disabled`, { login });
    const now = Date.now();
    tx.update(users).set({ disabledAt: null, aclChangedAt: now }).where(eq(users.id, user.id)).run();
    writeAudit(tx, { orgId: null, actor, action: 'user.enable', target: login });
  });
}

/**
 * Deletes a user with their memberships, team places, grants, tokens, sessions and forge
 * identities; audit rows keep their login as text. A synced user comes back at the next sync
 * while the forge still lists them (disable them instead to keep them out).
 */
export function deleteUser(db: Tx, login: string, actor: string): void {
  db.transaction((tx) => {
    const user = getUser(tx, login);
    checkNotLastAdmin(tx, user, 'delete');
    const now = Date.now();
    const orgIds = tx.select({ orgId: orgMembers.orgId }).from(orgMembers).where(eq(orgMembers.userId, user.id)).all().map((m) => m.orgId);
    for (const orgId of orgIds) tx.update(organizations).set({ aclChangedAt: now }).where(eq(organizations.id, orgId)).run();
    tx.delete(users).where(eq(users.id, user.id)).run();
    writeAudit(tx, { orgId: null, actor, action: 'user.delete', target: login, details: { admin: user.isAdmin, organizations: orgIds.length } });
  });
}

export interface UserListing {
  id: number;
  login: string;
  name: string | null;
  isAdmin: boolean;
  hasPassword: boolean;
  disabledAt: number | null;
  createdAt: number;
}

export function listUsers(db: Tx): UserListing[] {
  return db.select().from(users).orderBy(users.login).all().map((u) => ({
    id: u.id, login: u.login, name: u.name, isAdmin: u.isAdmin, hasPassword: u.passwordHash !== null, disabledAt: u.disabledAt, createdAt: u.createdAt,
  }));
}
