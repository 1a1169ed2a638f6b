// Reconciliation of one synced organization with its forge: fetch everything (fail closed: any
// incomplete or failed listing applies nothing and keeps the last good state), compute the plan,
// apply it in one transaction (or print it, --dry-run), record the run, queue the first import of
// new packages and an update of packages the forge says were pushed since the last run (what no
// webhook told), and install or repair the forge's webhooks (hooks.ts: also when the secret
// changed; each hook's state recorded). The snapshot's notes (what the forge could not tell) are
// stored with the run and returned as they are. Idempotent: a second run plans nothing.
import { desc, eq } from 'drizzle-orm';
import type { Config } from '../config/schema.js';
import type { Db } from '../db/client.js';
import { organizations, syncRuns } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import { orgSyncSettings } from '../domain/orgs.js';
import { isForgeError, type DirectReader, type ForgeRepository, type OrgSnapshot } from '../forges/types.js';
import { PRIORITY, SCHEDULE_TRIGGER } from '../jobs/job-types.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SecretBox } from '../services/secrets.js';
import { applyPlan, loadCurrentState } from './apply.js';
import type { ForgeProvider } from './forges.js';
import { ensureSourceHooks } from './hooks.js';
import { composerCheckDue, computePlan, planIsEmpty, planSummary, type Plan } from './plan.js';
import { requestUpdate } from '../jobs/requests.js';

/** What a sync run uses (compose.ts's Deps satisfies it). */
export interface SyncDeps {
  db: Db;
  log: Logger;
  metrics: Pick<Metrics, 'syncRuns'>;
  forges: Pick<ForgeProvider, 'get' | 'config'>;
  queue: JobQueue;
  box: SecretBox;
  config: { server: Pick<Config['server'], 'public_url'> };
}

export interface SyncOutcome {
  runId: number;
  status: 'applied' | 'unchanged' | 'failed' | 'dry-run';
  plan: Plan | null;
  summary: Record<string, number>;
  error?: string;
  /** The webhook installation's outcome (install_webhooks), or why it failed; null when not asked. */
  webhook: string | null;
  /** What the forge could not tell (OrgSnapshot.notes), as the forge adapter said it; empty: nothing. */
  notes: string[];
  durationMs: number;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function describeError(e: unknown): string {
  if (isForgeError(e)) return `${e.message} (${e.kind})`;
  return e instanceof Error ? e.message : String(e);
}

/** Runs one reconciliation of `orgName`. Never throws for forge failures: they are the outcome. */
export async function syncOrg(deps: SyncDeps, orgName: string, opts: { dryRun?: boolean; trigger?: string } = {}): Promise<SyncOutcome> {
  const started = Date.now();
  const org = deps.db.select().from(organizations).where(eq(organizations.name, orgName)).get();
  if (!org) throw new AppError('ORG_NOT_FOUND', `organization "${orgName}" does not exist`, { org: orgName });
  // The row holds the settings (config-file organizations get theirs written at start-up).
  const settings = orgSyncSettings(org);
  if (!settings) {
    throw new AppError('BAD_REQUEST', `organization "${orgName}" is not synced with a forge`, { org: orgName });
  }
  const { integration, source } = settings;
  const run = deps.db.insert(syncRuns).values({ orgId: org.id, trigger: opts.trigger ?? 'cli', status: 'running', startedAt: started })
    .returning({ id: syncRuns.id }).get();
  const finish = (status: SyncOutcome['status'], summary: Record<string, number>, error?: string, notes: string[] = []) => {
    deps.db.update(syncRuns).set({ status, summary, error: error ?? null, notes: notes.length > 0 ? notes : null, finishedAt: Date.now() }).where(eq(syncRuns.id, run.id)).run();
    deps.metrics.syncRuns.inc({ integration, outcome: status });
  };

  let snapshot: OrgSnapshot;
  const composer = new Map<string, boolean>();
  const directReaders = new Map<string, DirectReader[]>();
  const forge = deps.forges.get(integration);
  try {
    snapshot = await forge.snapshot(source);
    const current = loadCurrentState(deps.db, org.id, integration);
    // composer.json is checked for repositories not yet packages that are new or pushed since
    // (without a push time: now and then, or after a push webhook; see composerCheckDue).
    const now = Date.now();
    const toCheck = settings.autoAddPackages
      ? snapshot.repositories.filter((r) => {
          const known = current.repos.get(r.id);
          if (known?.packageId != null || current.packagesByUrl.has(r.cloneUrl)) return false;
          // A repository whose package was removed stays out until an owner adds it again.
          if (known?.composer === 'ignored') return false;
          return composerCheckDue(known, r.pushedAt, now);
        })
      : [];
    const found = await mapLimit(toCheck, 8, async (r) => (await forge.composerJson(r)) !== null);
    toCheck.forEach((r, i) => composer.set(r.id, found[i] ?? false));
    // Direct readers of every package repository (existing, linked or about to be added).
    const packageRepos = snapshot.repositories.filter((r) => {
      const known = current.repos.get(r.id);
      return known?.packageId != null || current.packagesByUrl.has(r.cloneUrl) || composer.get(r.id) === true
        || (settings.autoAddPackages && known?.composer === 'yes');
    });
    const readers = await mapLimit<ForgeRepository, DirectReader[]>(packageRepos, 8, (r) => forge.directReaders(source, r));
    packageRepos.forEach((r, i) => directReaders.set(r.id, readers[i] ?? []));
  } catch (e) {
    const error = `sync of ${orgName} from ${integration} (${source}) failed, nothing was changed: ${describeError(e)}`;
    deps.log.warn({ org: orgName, integration, err: describeError(e) }, 'sync failed; nothing changed (fail closed)');
    finish('failed', {}, error);
    return { runId: run.id, status: 'failed', plan: null, summary: {}, error, webhook: null, notes: [], durationMs: Date.now() - started };
  }

  let plan!: Plan;
  let newPackageIds: number[] = [];
  let movedPackageIds: number[] = [];
  try {
    deps.db.transaction((tx) => {
      // Computed inside the write transaction, so a concurrent change cannot slip in between.
      const current = loadCurrentState(tx, org.id, integration);
      plan = computePlan(integration, snapshot, current, { composer, directReaders, autoAddPackages: settings.autoAddPackages, scheduled: opts.trigger === SCHEDULE_TRIGGER });
      if (opts.dryRun || planIsEmpty(plan)) return;
      const applied = applyPlan(tx, { id: org.id, name: org.name }, integration, plan, current, `sync:${integration}`);
      newPackageIds = applied.newPackageIds;
      movedPackageIds = applied.movedPackageIds;
    }, { behavior: 'immediate' });
  } catch (e) {
    // The transaction rolled back: nothing of the plan was applied.
    const error = `sync of ${orgName} could not apply its plan, nothing was changed: ${describeError(e)}`;
    deps.log.error({ org: orgName, integration, err: e }, 'sync apply failed; rolled back');
    finish('failed', {}, error);
    return { runId: run.id, status: 'failed', plan: null, summary: {}, error, webhook: null, notes: [], durationMs: Date.now() - started };
  }
  const summary = planSummary(plan);
  const status: SyncOutcome['status'] = opts.dryRun ? 'dry-run' : planIsEmpty(plan) ? 'unchanged' : 'applied';
  const notes = (snapshot.notes ?? []).slice(0, 20).map((n) => String(n).slice(0, 500));
  finish(status, summary, undefined, notes);
  // New and moved packages get their import; packages pushed since the last sync an update, and on
  // a scheduled sync those without a push time a check (the schedule repairs what webhooks did not tell).
  const pushed = opts.dryRun ? [] : [...plan.packagesToUpdate, ...plan.packagesToRecheck].map((p) => p.packageId);
  for (const id of new Set([...newPackageIds, ...movedPackageIds, ...pushed])) requestUpdate(deps.queue, id, `sync:${integration}`, { priority: PRIORITY.background });

  let webhook: string | null = null;
  if (!opts.dryRun && settings.installWebhooks) {
    webhook = await ensureSourceHooks(deps, forge, { id: org.id, name: org.name }, integration, source, snapshot.repositories);
  }
  return { runId: run.id, status, plan, summary, webhook, notes, durationMs: Date.now() - started };
}

/** The organization's last sync runs, newest first (for `org show` and the UI). */
export function lastSyncRuns(deps: { db: Db }, orgId: number, limit = 5) {
  return deps.db.select().from(syncRuns).where(eq(syncRuns.orgId, orgId)).orderBy(desc(syncRuns.id)).limit(limit).all();
}
