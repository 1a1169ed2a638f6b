// The server's cron schedules (node-cron). A schedule only enqueues a job: the work itself runs
// in the job runner, deduplicated by lock key, so an overdue run never piles up.
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { JobQueue } from './queue.js';
import { HOUSEKEEPING, SYNC_ORG } from './job-types.js';
import { requestSync } from './sync-org.js';

export interface ScheduledJob {
  name: string;
  cron: string;
  enqueue(): void;
}

export interface Schedules {
  readonly jobs: readonly ScheduledJob[];
  /** Stops every schedule; nothing is enqueued afterwards. */
  stop(): Promise<void>;
}

/** What the config asks to run on a schedule: housekeeping, and each synced organization's reconciliation. */
export function scheduledJobs(config: Config, queue: JobQueue): ScheduledJob[] {
  const jobs: ScheduledJob[] = [
    {
      name: HOUSEKEEPING,
      cron: config.housekeeping.schedule,
      enqueue: () => queue.enqueue({ type: HOUSEKEEPING, lockKey: HOUSEKEEPING, trigger: 'schedule', maxAttempts: 1 }),
    },
  ];
  for (const org of config.organizations) {
    if (!org.sync) continue;
    jobs.push({ name: `${SYNC_ORG}:${org.name}`, cron: org.sync.schedule, enqueue: () => requestSync(queue, org.name, 'schedule') });
  }
  return jobs;
}

export function startSchedules(jobs: readonly ScheduledJob[], log: Logger): Schedules {
  const cronLog = {
    info: (m: string) => log.debug({ cron: m }, 'cron'),
    warn: (m: string) => log.warn({ cron: m }, 'cron warning'),
    error: (m: string | Error, err?: Error) => log.error({ err: err ?? m }, 'cron error'),
    debug: () => undefined,
  };
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.cron,
      () => {
        try {
          job.enqueue();
          log.debug({ schedule: job.name }, 'scheduled job enqueued');
        } catch (e) {
          log.error({ err: e, schedule: job.name }, 'scheduled enqueue failed');
        }
      },
      { name: job.name, noOverlap: true, logger: cronLog },
    ),
  );
  let stopping: Promise<void> | null = null;
  return {
    jobs,
    stop() {
      stopping ??= Promise.all(tasks.map((t) => t.destroy())).then(() => undefined);
      return stopping;
    },
  };
}
