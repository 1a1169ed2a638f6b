// Mutual exclusion per key (e.g. one repository's mirror): an update and a dist build of the same
// repository never touch its mirror at once, within this process (a promise chain) and across
// processes sharing the data directory (a lease row in the `locks` table, when a database is
// given: the CLI's update and the server's dist build). A lease is renewed while held; a holder
// that died (its pid is gone on this host) or stopped renewing loses it.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Sqlite } from '../db/client.js';
import { AppError } from '../domain/errors.js';

const LEASE_MS = 60_000;
const RENEW_MS = 20_000;

export interface MutexOptions {
  /** Cross-process leases in this database; without it, locks are per process only. */
  sqlite?: Sqlite;
  /** How long to wait for another process's lease before giving up (default 15 minutes). */
  waitMs?: number;
}

function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || pid === undefined) return true; // another machine: trust the lease
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Mutexes {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;

  constructor(private readonly opts: MutexOptions = {}) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    let renew: NodeJS.Timeout | undefined;
    try {
      if (this.opts.sqlite) {
        await this.acquireLease(key);
        renew = setInterval(() => this.extendLease(key), RENEW_MS);
        renew.unref();
      }
      return await fn();
    } finally {
      if (renew) clearInterval(renew);
      if (this.opts.sqlite) this.releaseLease(key);
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private tryLease(key: string): boolean {
    const db = this.opts.sqlite!;
    const now = Date.now();
    const took = db
      .prepare(
        `INSERT INTO locks (key, owner, expires_at) VALUES (@key, @owner, @exp)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE locks.expires_at < @now OR locks.owner = @owner`,
      )
      .run({ key, owner: this.owner, exp: now + LEASE_MS, now }).changes;
    if (took === 1) return true;
    const holder = db.prepare(`SELECT owner FROM locks WHERE key = ?`).get(key) as { owner: string } | undefined;
    if (holder && !ownerAlive(holder.owner)) {
      // The holder died without releasing (kill -9): take the lease over.
      return db.prepare(`UPDATE locks SET owner = @owner, expires_at = @exp WHERE key = @key AND owner = @old`)
        .run({ key, owner: this.owner, exp: now + LEASE_MS, old: holder.owner }).changes === 1;
    }
    return false;
  }

  private async acquireLease(key: string): Promise<void> {
    const deadline = Date.now() + (this.opts.waitMs ?? 15 * 60_000);
    let delay = 20;
    for (;;) {
      if (this.tryLease(key)) return;
      if (Date.now() >= deadline) {
        throw new AppError('LOCKED', `${key} is locked by another Packyard process; try again later`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(500, delay * 2);
    }
  }

  private extendLease(key: string): void {
    try {
      this.opts.sqlite!.prepare(`UPDATE locks SET expires_at = ? WHERE key = ? AND owner = ?`).run(Date.now() + LEASE_MS, key, this.owner);
    } catch {
      // A busy database: the next renewal (or the lease's length) covers it.
    }
  }

  private releaseLease(key: string): void {
    try {
      this.opts.sqlite!.prepare(`DELETE FROM locks WHERE key = ? AND owner = ?`).run(key, this.owner);
    } catch {
      // Closed database on shutdown: the lease expires, or its dead owner is detected.
    }
  }
}
