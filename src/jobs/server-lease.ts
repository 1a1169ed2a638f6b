// One server per data directory: `packyard serve` holds the `server` lease (locks table) from
// before it rewrites anything until it stops, renewing it while it runs. A second server on the
// same data_dir refuses to start; the CLI never takes the lease and works beside the server.
import type { Sqlite } from '../db/client.js';
import { AppError } from '../domain/errors.js';
import { leaseOwner, parseOwner, releaseLease, renewLease, tryTakeLease } from './lease.js';

export const SERVER_LEASE_KEY = 'server';
const LEASE_MS = 60_000;
const RENEW_MS = 15_000;

export interface ServerLease {
  readonly owner: string;
  release(): void;
}

/** Takes the server lease or throws LOCKED naming the running server. */
export function acquireServerLease(sqlite: Sqlite, dataDir: string): ServerLease {
  const owner = leaseOwner();
  const r = tryTakeLease(sqlite, SERVER_LEASE_KEY, owner, LEASE_MS);
  if (!r.took) {
    const { host, pid } = parseOwner(r.holder);
    throw new AppError('LOCKED', `Another Packyard server (pid ${pid} on ${host}) is using data_dir ${dataDir}; stop it first.`, {
      holder: r.holder,
      dataDir,
    });
  }
  const timer = setInterval(() => renewLease(sqlite, SERVER_LEASE_KEY, owner, LEASE_MS), RENEW_MS);
  timer.unref();
  let released = false;
  return {
    owner,
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      releaseLease(sqlite, SERVER_LEASE_KEY, owner);
    },
  };
}
