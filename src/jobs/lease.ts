// Leases in the `locks` table, shared by the repository mutexes (mutex.ts) and the one-server
// lease (server-lease.ts): a row per key naming its holder (host:pid:random) until it expires;
// a holder that died on this host, or stopped renewing, loses it.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Sqlite } from '../db/client.js';
import { processAlive, processStart } from './process-identity.js';

/**
 * A new holder name for this process: host:pid:random, where random starts with the process's
 * start time (`s<ticks>.`), so that a later process reusing the pid (a container's pid 1 after
 * a restart) is not taken for the holder.
 */
export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:s${processStart(process.pid) ?? ''}.${randomBytes(6).toString('hex')}`;
}

export function parseOwner(owner: string): { host: string; pid: number; start: string | null } {
  const [host = '', pid = '', random = ''] = owner.split(':');
  const start = /^s(\d+)\./.exec(random)?.[1] ?? null;
  return { host, pid: Number(pid), start };
}

/**
 * Whether the holder may still be alive. On another host nothing can be checked: the lease's
 * expiry decides. On this host: its pid exists and, when the name records a start time, the
 * process with that pid started then.
 */
export function ownerAlive(owner: string): boolean {
  const { host, pid, start } = parseOwner(owner);
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return true;
  return processAlive(pid, start);
}

/** Takes `key` for `owner` (or renews it); returns the holder's name when someone else holds it. */
export function tryTakeLease(sqlite: Sqlite, key: string, owner: string, leaseMs: number): { took: true } | { took: false; holder: string } {
  const now = Date.now();
  const took = sqlite
    .prepare(
      `INSERT INTO locks (key, owner, expires_at) VALUES (@key, @owner, @exp)
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE locks.expires_at < @now OR locks.owner = @owner`,
    )
    .run({ key, owner, exp: now + leaseMs, now }).changes;
  if (took === 1) return { took: true };
  const holder = sqlite.prepare(`SELECT owner FROM locks WHERE key = ?`).get(key) as { owner: string } | undefined;
  if (holder === undefined) return tryTakeLease(sqlite, key, owner, leaseMs);
  if (!ownerAlive(holder.owner)) {
    // The holder died without releasing (kill -9): take the lease over.
    const over = sqlite
      .prepare(`UPDATE locks SET owner = @owner, expires_at = @exp WHERE key = @key AND owner = @old`)
      .run({ key, owner, exp: now + leaseMs, old: holder.owner }).changes;
    if (over === 1) return { took: true };
  }
  return { took: false, holder: holder.owner };
}

export function renewLease(sqlite: Sqlite, key: string, owner: string, leaseMs: number): void {
  try {
    sqlite.prepare(`UPDATE locks SET expires_at = ? WHERE key = ? AND owner = ?`).run(Date.now() + leaseMs, key, owner);
  } catch {
    // A busy database: the next renewal (or the lease's length) covers it.
  }
}

export function releaseLease(sqlite: Sqlite, key: string, owner: string): void {
  try {
    sqlite.prepare(`DELETE FROM locks WHERE key = ? AND owner = ?`).run(key, owner);
  } catch {
    // Closed database on shutdown: the lease expires, or its dead owner is detected.
  }
}
