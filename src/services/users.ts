// Local users: created by the CLI (admins with a password for the UI) or by forge sync.
import { eq } from 'drizzle-orm';
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Tx } from '../db/client.js';
import { users } from '../db/schema.js';
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
