// Mutual exclusion per key (e.g. one repository's mirror): an update and a dist build of the same
// repository never touch its mirror at once, within this process (a promise chain) and across
// processes sharing the data directory (a lease row in the `locks` table, when a database is
// given: the CLI's update and the server's dist build). A lease is renewed while held; a holder
// that died (its pid is gone on this host) or stopped renewing loses it.
import type { Sqlite } from '../db/client.js';
import { AppError } from '../domain/errors.js';
import { leaseOwner, releaseLease, renewLease, tryTakeLease } from './lease.js';

const LEASE_MS = 60_000;
const RENEW_MS = 20_000;

export interface MutexOptions {
  /** Cross-process leases in this database; without it, locks are per process only. */
  sqlite?: Sqlite;
  /** How long to wait for another process's lease before giving up (default 15 minutes). */
  waitMs?: number;
}

export class Mutexes {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly owner = leaseOwner();

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
    return tryTakeLease(this.opts.sqlite!, key, this.owner, LEASE_MS).took;
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
    renewLease(this.opts.sqlite!, key, this.owner, LEASE_MS);
  }

  private releaseLease(key: string): void {
    releaseLease(this.opts.sqlite!, key, this.owner);
  }
}
