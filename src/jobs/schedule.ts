// The server's cron schedules (node-cron). A schedule only enqueues a job: the work itself runs
// in the job runner, deduplicated by lock key, so an overdue run never piles up. Synced
// organizations' schedules come from their rows, so the list changes while the server runs:
// `reload()` brings the running tasks in line with the database (called when this process creates
// an organization, and once a minute for changes another process, e.g. the CLI, made).
import cron, { type ScheduledTask } from 'node-cron';
import { isNotNull } from 'drizzle-orm';
import type { Config } from '../config/schema.js';
import type { Db } from '../db/client.js';
import { organizations } from '../db/schema.js';
import { orgSyncSettings } from '../domain/orgs.js';
import type { Logger } from '../log.js';
import type { JobQueue } from './queue.js';
import { HOUSEKEEPING, PRIORITY, SCHEDULE_TRIGGER, SYNC_ORG } from './job-types.js';
import { requestSync } from './requests.js';

export interface ScheduledJob {
  name: string;
  cron: string;
  enqueue(): void;
}

/** What runs on a schedule: housekeeping, and each synced organization's reconciliation (from its row). */
export function scheduledJobs(config: Config, db: Db, queue: JobQueue): ScheduledJob[] {
  const jobs: ScheduledJob[] = [
    {
      name: HOUSEKEEPING,
      cron: config.housekeeping.schedule,
      enqueue: () => queue.enqueue({ type: HOUSEKEEPING, lockKey: HOUSEKEEPING, trigger: SCHEDULE_TRIGGER, maxAttempts: 1 }),
    },
  ];
  const rows = db.select().from(organizations).where(isNotNull(organizations.syncIntegration)).orderBy(organizations.name).all();
  for (const row of rows) {
    const sync = orgSyncSettings(row);
    // A row written before cron validation existed could hold a bad expression: skip it, never crash.
    if (!sync || !cron.validate(sync.schedule)) continue;
    jobs.push({ name: `${SYNC_ORG}:${row.name}`, cron: sync.schedule, enqueue: () => requestSync(queue, row.name, SCHEDULE_TRIGGER, { priority: PRIORITY.background }) });
  }
  return jobs;
}

/** How often a running server re-reads the schedules, for changes made by other processes. */
export const RELOAD_CRON = '* * * * *';

export class Schedules {
  private readonly tasks = new Map<string, { cron: string; task: ScheduledTask }>();
  private current: ScheduledJob[] = [];
  private reloadTask: ScheduledTask | null = null;
  private started = false;
  private stopping: Promise<void> | null = null;
  private readonly cronLog;

  constructor(
    private readonly source: () => ScheduledJob[],
    private readonly log: Logger,
  ) {
    this.cronLog = {
      info: (m: string) => log.debug({ cron: m }, 'cron'),
      warn: (m: string) => log.warn({ cron: m }, 'cron warning'),
      error: (m: string | Error, err?: Error) => log.error({ err: err ?? m }, 'cron error'),
      debug: () => undefined,
    };
  }

  /** What is scheduled now (read from the database on every reload). */
  get jobs(): readonly ScheduledJob[] {
    if (!this.started) this.current = this.source();
    return this.current;
  }

  /** Starts every schedule and the periodic reload. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.reload();
    this.reloadTask = cron.schedule(RELOAD_CRON, () => this.reload(), { name: 'schedules:reload', noOverlap: true, logger: this.cronLog });
  }

  /** Brings the running tasks in line with the database: adds, replaces (cron changed) and removes. */
  reload(): void {
    if (!this.started || this.stopping) return;
    let jobs: ScheduledJob[];
    try {
      jobs = this.source();
    } catch (e) {
      this.log.error({ err: e }, 'reading the schedules failed; the running ones stay');
      return;
    }
    this.current = jobs;
    const wanted = new Map(jobs.map((j) => [j.name, j]));
    for (const [name, t] of this.tasks) {
      const want = wanted.get(name);
      if (!want || want.cron !== t.cron) {
        void t.task.destroy();
        this.tasks.delete(name);
        this.log.info({ schedule: name }, 'schedule removed');
      }
    }
    for (const job of jobs) {
      if (this.tasks.has(job.name)) continue;
      this.tasks.set(job.name, { cron: job.cron, task: this.schedule(job) });
      this.log.debug({ schedule: job.name, cron: job.cron }, 'schedule added');
    }
  }

  private schedule(job: ScheduledJob): ScheduledTask {
    // The task looks its job up by name on each tick, so a reload's fresh closure is the one used.
    return cron.schedule(
      job.cron,
      () => {
        const current = this.current.find((j) => j.name === job.name) ?? job;
        try {
          current.enqueue();
          this.log.debug({ schedule: job.name }, 'scheduled job enqueued');
        } catch (e) {
          this.log.error({ err: e, schedule: job.name }, 'scheduled enqueue failed');
        }
      },
      { name: job.name, noOverlap: true, logger: this.cronLog },
    );
  }

  /** Stops every schedule; nothing is enqueued afterwards. */
  stop(): Promise<void> {
    this.stopping ??= Promise.all([...[...this.tasks.values()].map((t) => t.task.destroy()), this.reloadTask?.destroy()]).then(() => {
      this.tasks.clear();
    });
    return this.stopping;
  }
}
