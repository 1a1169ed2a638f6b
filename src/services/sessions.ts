// Web UI sessions: a random cookie value whose sha256 is the row id, a CSRF token per session,
// an idle timeout and an absolute one. A new session (new id) is made at every login.
import { createHash, randomBytes } from 'node:crypto';
import type { Sqlite } from '../db/client.js';

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often (keeps page views free of writes). */
const TOUCH_MS = 60_000;

export interface SessionInfo {
  id: string;
  userId: number;
  login: string;
  isAdmin: boolean;
  csrf: string;
  expiresAt: number;
}

interface SessionRow {
  id: string;
  user_id: number;
  csrf_token: string;
  last_seen_at: number;
  expires_at: number;
  login: string;
  is_admin: number;
  disabled_at: number | null;
}

export function sessionIdOf(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('hex');
}

export class SessionStore {
  private readonly q;

  constructor(sqlite: Sqlite) {
    this.q = {
      insert: sqlite.prepare(`INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
      get: sqlite.prepare(
        `SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, u.login, u.is_admin, u.disabled_at
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
      ),
      touch: sqlite.prepare(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`),
      remove: sqlite.prepare(`DELETE FROM sessions WHERE id = ?`),
      purge: sqlite.prepare(`DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`),
    };
  }

  /** Starts a session; returns the cookie value (never stored) and the session's facts. */
  create(userId: number, now = Date.now()): { cookie: string; csrf: string; expiresAt: number } {
    this.q.purge.run(now, now - SESSION_IDLE_MS);
    const cookie = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const expiresAt = now + SESSION_MAX_MS;
    this.q.insert.run(sessionIdOf(cookie), userId, csrf, now, now, expiresAt);
    return { cookie, csrf, expiresAt };
  }

  /** The live session for a cookie value, or null (unknown, expired, idle too long, user disabled). */
  resolve(cookie: string, now = Date.now()): SessionInfo | null {
    const id = sessionIdOf(cookie);
    const row = this.q.get.get(id) as SessionRow | undefined;
    if (!row) return null;
    if (row.expires_at <= now || row.last_seen_at + SESSION_IDLE_MS <= now || row.disabled_at !== null) {
      this.q.remove.run(id);
      return null;
    }
    if (now - row.last_seen_at > TOUCH_MS) this.q.touch.run(now, id);
    return { id, userId: row.user_id, login: row.login, isAdmin: row.is_admin === 1, csrf: row.csrf_token, expiresAt: row.expires_at };
  }

  destroy(cookie: string): void {
    this.q.remove.run(sessionIdOf(cookie));
  }
}
