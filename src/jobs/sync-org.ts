// The sync-org job: one reconciliation of a synced organization (cron, webhooks, `packyard sync`
// through the server). Queued per organization, so a burst of membership webhooks runs one sync.
import { syncOrg } from '../sync/reconcile.js';
import { JobError, type JobHandler } from './runner.js';
import type { JobQueue } from './queue.js';
import { PRIORITY, SYNC_ORG, SYNC_PREVIEW } from './job-types.js';

export { SYNC_ORG, SYNC_PREVIEW };

/**
 * What a sync needs: exactly what syncOrg (src/sync/reconcile.ts) declares, so this job asks for
 * no more and no less than the sync it runs.
 */
export type SyncJobDeps = Parameters<typeof syncOrg>[0];

export function createSyncOrgHandler(deps: SyncJobDeps): JobHandler {
  return async ({ job, log }) => {
    const org = String((job.payload as { org?: unknown } | null)?.org ?? '');
    const outcome = await syncOrg(deps, org, { trigger: job.trigger });
    const result = { runId: outcome.runId, status: outcome.status, summary: outcome.summary, webhook: outcome.webhook, notes: outcome.notes, ms: outcome.durationMs };
    if (outcome.status === 'failed') throw new JobError(outcome.error ?? 'sync failed', false, result);
    log.info(result, 'sync done');
    return result;
  };
}

/**
 * "Preview sync" as a job: a dry run whose plan is the job's result, so that the forge's listing
 * (seconds for a large organization) never runs inside a web request. One at a time per
 * organization; a second request while one is queued gets the same job.
 */
export function requestSyncPreview(queue: JobQueue, orgName: string, trigger: string) {
  return queue.enqueue({ type: SYNC_PREVIEW, lockKey: `sync-preview:${orgName}`, payload: { org: orgName }, trigger, maxAttempts: 1, priority: PRIORITY.asked });
}

export function createSyncPreviewHandler(deps: SyncJobDeps): JobHandler {
  return async ({ job }) => {
    const org = String((job.payload as { org?: unknown } | null)?.org ?? '');
    const outcome = await syncOrg(deps, org, { dryRun: true, trigger: job.trigger });
    if (!outcome.plan) throw new JobError(outcome.error ?? 'The forge could not be read completely; nothing would change.', false, { runId: outcome.runId });
    return { runId: outcome.runId, plan: outcome.plan as unknown as Record<string, unknown> };
  };
}
