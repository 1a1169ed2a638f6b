// The sync-org job: one reconciliation of a synced organization (cron, webhooks, `packyard sync`
// through the server). Queued per organization, so a burst of membership webhooks runs one sync.
import type { Deps } from '../compose.js';
import { syncOrg } from '../sync/reconcile.js';
import { JobError, type JobHandler } from './runner.js';
import { SYNC_ORG } from './job-types.js';

export { SYNC_ORG };
export { requestSync } from '../services/orgs.js';

export function createSyncOrgHandler(deps: Deps): JobHandler {
  return async ({ job, log }) => {
    const org = String((job.payload as { org?: unknown } | null)?.org ?? '');
    const outcome = await syncOrg(deps, org, { trigger: job.trigger });
    const result = { runId: outcome.runId, status: outcome.status, summary: outcome.summary, webhook: outcome.webhook, ms: outcome.durationMs };
    if (outcome.status === 'failed') throw new JobError(outcome.error ?? 'sync failed', false, result);
    log.info(result, 'sync done');
    return result;
  };
}
