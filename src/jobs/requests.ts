// The enqueue helpers every caller uses to ask for work: an update of a package, a sync of an
// organization. Deduplicated by the queue while one is queued; priority says who asked.
import type { JobQueue, JobRow } from './queue.js';
import { PRIORITY, SYNC_ORG, UPDATE_PACKAGE } from './job-types.js';

/**
 * Queues an update of a package. `priority`: PRIORITY.asked (default) for what a person or a
 * webhook asked for (UI, CLI, API, hooks), PRIORITY.background for syncs and schedules.
 */
export function requestUpdate(queue: JobQueue, packageId: number, trigger: string, opts: { force?: boolean; priority?: number } = {}): { job: JobRow; deduplicated: boolean } {
  const priority = opts.priority ?? PRIORITY.asked;
  return queue.enqueue({ type: UPDATE_PACKAGE, lockKey: `package:${packageId}`, payload: { packageId, force: opts.force ?? false }, trigger, priority });
}

/**
 * Queues a reconciliation of a synced organization (deduplicated while one is queued); asked for
 * by a person or a webhook unless `priority` says background (the cron schedule).
 */
export function requestSync(queue: JobQueue, orgName: string, trigger: string, opts: { priority?: number } = {}) {
  return queue.enqueue({ type: SYNC_ORG, lockKey: `sync:${orgName}`, payload: { org: orgName }, trigger, maxAttempts: 1, priority: opts.priority ?? PRIORITY.asked });
}
