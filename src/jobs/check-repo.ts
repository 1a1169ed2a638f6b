// The check-repo job: a push reached a repository that is no package of an organization that
// adds packages by themselves; look at that one repository (two forge requests) and queue the
// organization's sync only when it has a composer.json now, instead of a sync for every push.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { forgeRepos, organizations } from '../db/schema.js';
import { sourceCovers } from '../domain/deliveries.js';
import { orgSyncSettings } from '../domain/orgs.js';
import type { ForgeProvider } from '../sync/forges.js';
import type { JobHandler } from './runner.js';
import type { JobQueue } from './queue.js';
import { CHECK_REPO, PRIORITY } from './job-types.js';
import { requestSync } from './requests.js';

export { CHECK_REPO };

export function requestRepoCheck(queue: JobQueue, orgName: string, repo: { id: string; fullName: string }, trigger: string) {
  return queue.enqueue({
    type: CHECK_REPO,
    lockKey: `check-repo:${orgName}:${repo.id}`,
    payload: { org: orgName, repoId: repo.id, fullName: repo.fullName },
    trigger,
    maxAttempts: 2,
    priority: PRIORITY.asked,
  });
}

/** The organization and repository rows, the forge to ask, and the queue for the sync. */
export interface CheckRepoDeps {
  db: Db;
  forges: Pick<ForgeProvider, 'get'>;
  queue: JobQueue;
}

export function createCheckRepoHandler(deps: CheckRepoDeps): JobHandler {
  return async ({ job }) => {
    const p = (job.payload ?? {}) as { org?: unknown; repoId?: unknown; fullName?: unknown };
    const [orgName, repoId, fullName] = [String(p.org ?? ''), String(p.repoId ?? ''), String(p.fullName ?? '')];
    const org = deps.db.select().from(organizations).where(eq(organizations.name, orgName)).get();
    const settings = org ? orgSyncSettings(org) : null;
    if (!org || !settings?.autoAddPackages) return { checked: false, why: 'the organization no longer adds packages by itself' };
    const known = deps.db.select().from(forgeRepos).where(and(eq(forgeRepos.orgId, org.id), eq(forgeRepos.externalId, repoId))).get();
    // A package already, or one an owner removed (auto-add leaves it alone): nothing to add.
    if (known && (known.packageId !== null || known.composer === 'ignored')) return { checked: false, why: 'a package already, or removed by an owner' };
    const forge = deps.forges.get(settings.integration);
    const repo = await forge.repository(settings.source, repoId, fullName);
    if (!repo || !sourceCovers(settings.source, repo.fullName)) return { checked: true, composer: false, why: 'not a repository of the source' };
    if ((await forge.composerJson(repo)) === null) return { checked: true, composer: false };
    const { job: sync } = requestSync(deps.queue, orgName, `check-repo:${repo.fullName}`);
    return { checked: true, composer: true, sync: sync.id };
  };
}
