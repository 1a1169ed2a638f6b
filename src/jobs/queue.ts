// The one persistent job queue (the jobs table): deduplicated by lock key while queued, one
// running job per lock key (a lease that a dead process loses), retries with backoff.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Sqlite } from '../db/client.js';

export interface JobRow {
  id: number;
  type: string;
  lockKey: string;
  payload: Record<string, unknown>;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  maxAttempts: number;
  runAfter: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  result: Record<string, unknown> | null;
  trigger: string;
  /** Higher runs first (PRIORITY in job-types.ts); 0 is background work. */
  priority: number;
}

export interface EnqueueInput {
  type: string;
  lockKey: string;
  payload?: Record<string, unknown>;
  trigger: string;
  runAfter?: number;
  maxAttempts?: number;
  /** Default 0 (background). A duplicate of a queued job raises the queued job's priority. */
  priority?: number;
}

interface RawJob {
  id: number;
  type: string;
  lock_key: string;
  payload: string;
  status: JobRow['status'];
  attempts: number;
  max_attempts: number;
  run_after: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  result: string | null;
  trigger: string;
  priority: number;
}

function toRow(r: RawJob): JobRow {
  return {
    id: r.id,
    type: r.type,
    lockKey: r.lock_key,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAfter: r.run_after,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>),
    trigger: r.trigger,
    priority: r.priority,
  };
}

/** Identifies this process as a lease owner: host, pid and a random part (pids get reused). */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

function ownerIsDeadLocalProcess(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface QueueOptions {
  leaseMs?: number;
  now?: () => number;
}

export class JobQueue {
  readonly owner: string;
  readonly leaseMs: number;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly sqlite: Sqlite,
    opts: QueueOptions = {},
  ) {
    this.owner = newLeaseOwner();
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Called whenever this process enqueues, so a runner can start at once instead of polling. */
  onEnqueue(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Adds a job, or returns the queued one with the same type and lock key (deduplicated). */
  enqueue(input: EnqueueInput): { job: JobRow; deduplicated: boolean } {
    const tx = this.sqlite.transaction(() => {
      const existing = this.sqlite
        .prepare(`SELECT * FROM jobs WHERE lock_key = ? AND type = ? AND status = 'queued' ORDER BY id LIMIT 1`)
        .get(input.lockKey, input.type) as RawJob | undefined;
      if (existing) {
        const runAfter = input.runAfter ?? this.now();
        if (runAfter < existing.run_after) {
          this.sqlite.prepare(`UPDATE jobs SET run_after = ? WHERE id = ?`).run(runAfter, existing.id);
          existing.run_after = runAfter;
        }
        // "Update now" on a background job that waits: it becomes the person's job.
        const priority = input.priority ?? 0;
        if (priority > existing.priority) {
          this.sqlite.prepare(`UPDATE jobs SET priority = ? WHERE id = ?`).run(priority, existing.id);
          existing.priority = priority;
        }
        return { job: toRow(existing), deduplicated: true };
      }
      const now = this.now();
      const info = this.sqlite
        .prepare(
          `INSERT INTO jobs (type, lock_key, payload, status, attempts, max_attempts, run_after, created_at, trigger, priority)
           VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?)`,
        )
        .run(input.type, input.lockKey, JSON.stringify(input.payload ?? {}), input.maxAttempts ?? 3, input.runAfter ?? now, now, input.trigger, input.priority ?? 0);
      return { job: this.get(Number(info.lastInsertRowid)) as JobRow, deduplicated: false };
    });
    const out = tx.immediate();
    for (const fn of this.listeners) fn();
    return out;
  }

  get(id: number): JobRow | null {
    const r = this.sqlite.prepare(`SELECT * FROM jobs WHERE id = ?`).get(id) as RawJob | undefined;
    return r ? toRow(r) : null;
  }

  private lockHeld(lockKey: string, exceptId: number, now: number): boolean {
    return (
      this.sqlite
        .prepare(`SELECT 1 FROM jobs WHERE lock_key = ? AND status = 'running' AND id != ? AND lease_expires_at > ? LIMIT 1`)
        .get(lockKey, exceptId, now) !== undefined
    );
  }

  private take(job: RawJob, now: number): JobRow {
    this.sqlite
      .prepare(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?,
         started_at = ?, error = NULL WHERE id = ?`,
      )
      .run(this.owner, now + this.leaseMs, now, job.id);
    return this.get(job.id) as JobRow;
  }

  /**
   * Claims the runnable job of the highest priority (then the oldest) whose lock is free, or
   * returns null. `minPriority` leaves lower-priority jobs queued (the runner's last free slot).
   */
  claimNext(types?: readonly string[], opts: { minPriority?: number } = {}): JobRow | null {
    const tx = this.sqlite.transaction(() => {
      const now = this.now();
      this.recoverExpired(now);
      const candidates = this.sqlite
        .prepare(`SELECT * FROM jobs WHERE status = 'queued' AND run_after <= ? AND priority >= ? ORDER BY priority DESC, run_after, id LIMIT 50`)
        .all(now, opts.minPriority ?? 0) as RawJob[];
      for (const c of candidates) {
        if (types && !types.includes(c.type)) continue;
        if (this.lockHeld(c.lock_key, c.id, now)) continue;
        return this.take(c, now);
      }
      return null;
    });
    return tx.immediate();
  }

  /** Claims one specific job if it is queued and its lock is free (the CLI runs its own job). */
  claim(id: number): JobRow | null {
    const tx = this.sqlite.transaction(() => {
      const now = this.now();
      this.recoverExpired(now);
      const job = this.sqlite.prepare(`SELECT * FROM jobs WHERE id = ? AND status = 'queued'`).get(id) as RawJob | undefined;
      if (!job || this.lockHeld(job.lock_key, job.id, now)) return null;
      return this.take(job, now);
    });
    return tx.immediate();
  }

  /** Extends the lease of a running job; false if this process no longer holds it. */
  renew(id: number): boolean {
    const info = this.sqlite
      .prepare(`UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`)
      .run(this.now() + this.leaseMs, id, this.owner);
    return info.changes === 1;
  }

  complete(id: number, result: Record<string, unknown> = {}): void {
    this.sqlite
      .prepare(
        `UPDATE jobs SET status = 'done', finished_at = ?, result = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND lease_owner = ?`,
      )
      .run(this.now(), JSON.stringify(result), id, this.owner);
  }

  /** Records a failure; retryable failures go back to the queue with exponential backoff. */
  fail(id: number, error: string, opts: { retryable: boolean; result?: Record<string, unknown> }): JobRow | null {
    const job = this.get(id);
    if (!job || job.leaseOwner !== this.owner) return job;
    const now = this.now();
    if (opts.retryable && job.attempts < job.maxAttempts) {
      const delay = Math.min(60_000, 1000 * 2 ** (job.attempts - 1));
      this.sqlite
        .prepare(`UPDATE jobs SET status = 'queued', run_after = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`)
        .run(now + delay, error, id);
    } else {
      this.sqlite
        .prepare(
          `UPDATE jobs SET status = 'failed', finished_at = ?, error = ?, result = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`,
        )
        .run(now, error, opts.result ? JSON.stringify(opts.result) : null, id);
    }
    return this.get(id);
  }

  /**
   * Puts a running job back in the queue until `runAfter` without counting the run as an attempt
   * (its host is failing: the job waited, it did not try). `note` is shown as the job's error.
   */
  defer(id: number, runAfter: number, note: string): JobRow | null {
    this.sqlite
      .prepare(`UPDATE jobs SET status = 'queued', attempts = MAX(attempts - 1, 0), run_after = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND status = 'running' AND lease_owner = ?`)
      .run(runAfter, note, id, this.owner);
    return this.get(id);
  }

  /** Gives up this process's running jobs (graceful stop): they run again later, from the start. */
  releaseOwned(): number {
    return this.sqlite
      .prepare(`UPDATE jobs SET status = 'queued', attempts = MAX(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL
                WHERE status = 'running' AND lease_owner = ?`)
      .run(this.owner).changes;
  }

  /** Re-queues jobs whose runner died: lease expired, or its process is gone from this host. */
  recoverExpired(now = this.now()): number {
    const running = this.sqlite.prepare(`SELECT id, lease_owner, lease_expires_at FROM jobs WHERE status = 'running'`).all() as {
      id: number;
      lease_owner: string | null;
      lease_expires_at: number | null;
    }[];
    let n = 0;
    for (const r of running) {
      const expired = (r.lease_expires_at ?? 0) <= now;
      if (expired || (r.lease_owner !== null && r.lease_owner !== this.owner && ownerIsDeadLocalProcess(r.lease_owner))) {
        this.sqlite
          .prepare(`UPDATE jobs SET status = 'queued', run_after = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`)
          .run(now, r.id);
        n++;
      }
    }
    return n;
  }

  depth(): number {
    return (this.sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')`).get() as { n: number }).n;
  }
}
