// Runs queued jobs in this process: a bounded number at once, started when this process
// enqueues and by a short poll (jobs enqueued by the CLI), with a lease heartbeat per job.
import type { Logger } from '../log.js';
import { isAppError } from '../domain/errors.js';
import type { JobQueue, JobRow } from './queue.js';
import { PRIORITY } from './job-types.js';

export interface JobContext {
  job: JobRow;
  log: Logger;
  signal: AbortSignal;
}

/** A handler returns a result; a thrown error fails the job (retried when `retryable`). */
export type JobHandler = (ctx: JobContext) => Promise<Record<string, unknown>>;

export class JobError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly result: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'JobError';
  }
}

/**
 * Thrown by a handler that should not run now (its host failed to connect recently): the job goes
 * back to the queue until `until`, and the run does not count as an attempt.
 */
export class JobDeferred extends Error {
  constructor(
    message: string,
    readonly until: number,
  ) {
    super(message);
    this.name = 'JobDeferred';
  }
}

// How long stop() waits for aborted handlers after releasing their jobs.
const SETTLE_MS = 1000;

export interface RunnerOptions {
  concurrency: number;
  pollMs?: number;
  onFinished?: (job: JobRow, ms: number) => void;
}

export class JobRunner {
  private readonly running = new Map<number, Promise<void>>();
  private readonly aborts = new Map<number, AbortController>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: ReadonlyMap<string, JobHandler>,
    private readonly log: Logger,
    private readonly opts: RunnerOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.queue.recoverExpired();
    this.unsubscribe = this.queue.onEnqueue(() => setImmediate(() => this.fill()));
    this.schedulePoll();
    this.fill();
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.fill();
      this.schedulePoll();
    }, this.opts.pollMs ?? 500);
    this.timer.unref();
  }

  /**
   * Starts jobs until the concurrency limit is reached or nothing is runnable. With more than one
   * slot, the last free one is kept for work a person or a webhook asked for (priority > 0), so
   * background updates of slow hosts never make "Update now" wait.
   */
  fill(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency) {
      let job: JobRow | null;
      const lastSlot = this.opts.concurrency > 1 && this.running.size === this.opts.concurrency - 1;
      try {
        job = this.queue.claimNext([...this.handlers.keys()], lastSlot ? { minPriority: PRIORITY.asked } : {});
      } catch (e) {
        this.log.error({ err: e }, 'job claim failed');
        return;
      }
      if (!job) return;
      this.launch(job);
    }
  }

  private launch(job: JobRow): void {
    const p = this.execute(job).finally(() => {
      this.running.delete(job.id);
      this.aborts.delete(job.id);
      if (!this.stopped) setImmediate(() => this.fill());
    });
    this.running.set(job.id, p);
  }

  /** Runs one already-claimed job to its end (also used by the CLI for its own job). */
  async execute(job: JobRow): Promise<void> {
    const handler = this.handlers.get(job.type);
    const log = this.log.child({ jobId: job.id, jobType: job.type });
    const abort = new AbortController();
    this.aborts.set(job.id, abort);
    const heartbeat = setInterval(() => {
      if (!this.queue.renew(job.id)) abort.abort();
    }, Math.max(1000, Math.floor(this.queue.leaseMs / 3)));
    heartbeat.unref();
    const started = Date.now();
    try {
      if (!handler) throw new JobError(`no handler for job type ${job.type}`, false);
      const result = await handler({ job, log, signal: abort.signal });
      this.queue.complete(job.id, result);
      log.info({ ms: Date.now() - started }, 'job done');
    } catch (e) {
      if (e instanceof JobDeferred) {
        this.queue.defer(job.id, e.until, e.message);
        log.info({ until: e.until }, 'job deferred');
        return;
      }
      const retryable = e instanceof JobError ? e.retryable : !isAppError(e);
      const message = e instanceof Error ? e.message : String(e);
      const after = this.queue.fail(job.id, message, { retryable, result: e instanceof JobError ? e.result : undefined });
      log.warn({ err: message, status: after?.status }, 'job failed');
    } finally {
      clearInterval(heartbeat);
      const finished = this.queue.get(job.id);
      if (finished && this.opts.onFinished) this.opts.onFinished(finished, Date.now() - started);
    }
  }

  /** Stops claiming; waits for running jobs up to `graceMs`, then releases them for a re-run. */
  async stop(graceMs = 8000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    const all = Promise.allSettled([...this.running.values()]);
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => {
        timeout = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timeout);
    if (timedOut) {
      // Release first: a handler that fails because of the abort must not mark its job failed
      // (fail() only touches jobs this process still owns), so it runs again, from the start.
      const released = this.queue.releaseOwned();
      for (const a of this.aborts.values()) a.abort();
      this.log.info({ released }, 'unfinished jobs released to the queue');
      // Give aborted handlers a moment to unwind before the caller closes the database.
      await Promise.race([all, new Promise((r) => setTimeout(r, SETTLE_MS).unref())]);
    }
  }
}
