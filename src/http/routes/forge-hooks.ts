// Forge webhooks: POST /hooks/INTEGRATION_ID. The forge verifies the delivery over the raw body
// (GitHub: X-Hub-Signature-256, constant time); a delivery id seen before is answered and
// ignored (unless its handling failed: then it runs again); the event becomes queued work
// (package updates, a check of one repository, an org sync) and the answer is a 202 within
// milliseconds. Every delivery is logged in `deliveries` with what it caused, refused ones too
// (the newest REJECTED_KEPT per integration, so that a flood of unsigned requests stays bounded).
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/schema.js';
import type { Db, Sqlite } from '../../db/client.js';
import { sourceCovers, type DeliveryTargets } from '../../domain/deliveries.js';
import { ORG_SYNC_DEFAULT_SETTINGS } from '../../domain/orgs.js';
import type { HookEvent } from '../../forges/types.js';
import { requestRepoCheck } from '../../jobs/check-repo.js';
import { webhookSecret, type ForgeProvider } from '../../sync/forges.js';
import { sendNotFound } from '../auth.js';
import { requestSync, requestUpdate } from '../../jobs/requests.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { SecretBox } from '../../services/secrets.js';

// GitHub caps payloads at 25 MB.
const HOOK_BODY_LIMIT = 26 * 1024 * 1024;

/** Refused deliveries kept per integration (older ones are deleted as new ones come). */
export const REJECTED_KEPT = 100;

/** Unverified header text for the log: printable, bounded. */
const claimed = (v: string | undefined, max: number) => (v === undefined ? undefined : v.replace(/[^\x20-\x7e]/g, '?').slice(0, max));

/** The repository an event is about, if any. */
const repoOfHook = (hook: HookEvent): string | undefined => ('repo' in hook ? hook.repo.fullName : undefined);

function actionOf(body: Buffer): string | null {
  // Only for the delivery log; the forge has validated the JSON already.
  try {
    const a = (JSON.parse(body.toString('utf8')) as { action?: unknown }).action;
    return typeof a === 'string' ? a.slice(0, 64) : null;
  } catch {
    return null;
  }
}

/**
 * The integrations and their forges (to verify a delivery with its webhook secret), the delivery
 * log and the rows a delivery targets, the queue for the work it asks for, the deliveries counter.
 */
export interface ForgeHookDeps {
  config: Pick<Config, 'integrations'>;
  db: Db;
  sqlite: Sqlite;
  box: SecretBox;
  forges: Pick<ForgeProvider, 'get'>;
  queue: JobQueue;
  log: Logger;
  metrics: Pick<Metrics, 'webhookDeliveries'>;
}

export function forgeHookRoutes(app: FastifyInstance, deps: ForgeHookDeps): void {
  const metric = deps.metrics.webhookDeliveries;
  // A new delivery id, or one whose handling failed (500): the forge's redelivery runs it again.
  // Atomic, so two redeliveries at once run it once.
  const claimDelivery = deps.sqlite.prepare(
    `INSERT INTO deliveries (integration, delivery_id, event, action, received_at, status, outcome)
     VALUES (@integration, @deliveryId, @event, @action, @at, 'accepted', '')
     ON CONFLICT (integration, delivery_id) DO UPDATE SET event = excluded.event, action = excluded.action,
       received_at = excluded.received_at, status = 'accepted', outcome = '', targets = NULL
     WHERE deliveries.status = 'failed'`,
  );
  const setOutcome = deps.sqlite.prepare(`UPDATE deliveries SET status = ?, outcome = ?, targets = ? WHERE integration = ? AND delivery_id = ?`);
  // Refused deliveries get a key of their own: an unsigned request must never make the forge's
  // real delivery with that id a duplicate.
  const insertRejected = deps.sqlite.prepare(
    `INSERT INTO deliveries (integration, delivery_id, event, action, received_at, status, outcome, targets)
     VALUES (?, ?, ?, NULL, ?, 'rejected', ?, '{}')`,
  );
  const trimRejected = deps.sqlite.prepare(
    `DELETE FROM deliveries WHERE integration = @integration AND status = 'rejected' AND id <=
       (SELECT id FROM deliveries WHERE integration = @integration AND status = 'rejected' ORDER BY id DESC LIMIT 1 OFFSET @kept)`,
  );
  const recordRejected = deps.sqlite.transaction((integration: string, outcome: string, event: string) => {
    insertRejected.run(integration, `rejected:${randomUUID()}`, event, Date.now(), outcome);
    trimRejected.run({ integration, kept: REJECTED_KEPT });
  });
  const packagesOfRepo = deps.sqlite.prepare(
    `SELECT fr.package_id AS packageId, fr.composer AS composer, o.name AS org FROM forge_repos fr JOIN organizations o ON o.id = fr.org_id
     WHERE fr.integration = ? AND fr.external_id = ?`,
  );
  const forgetComposerCheck = deps.sqlite.prepare(
    `UPDATE forge_repos SET composer_checked_at = NULL WHERE integration = ? AND external_id = ? AND package_id IS NULL AND composer <> 'ignored'`,
  );
  const syncedOrgs = deps.sqlite.prepare(`SELECT name FROM organizations WHERE sync_integration = ?`);
  const autoAddOrgs = deps.sqlite.prepare(
    `SELECT name, sync_source AS source, sync_auto_add_packages AS autoAdd FROM organizations WHERE sync_integration = ? AND sync_source IS NOT NULL`,
  );

  type Dispatched = { status: 'accepted' | 'ignored'; outcome: string; targets?: DeliveryTargets };

  /**
   * A push to a repository that is no package: only organizations adding packages by themselves
   * whose source holds the repository can gain one, and only if it now has a composer.json, so
   * each gets a check of that one repository (the check queues the org's sync when it finds one).
   */
  function checkRepo(integration: string, repo: { id: string; fullName: string }, known: { composer: string; org: string }[]): Dispatched {
    const why = `push on ${repo.fullName}, not a package`;
    const ignoredBy = new Set(known.filter((r) => r.composer === 'ignored').map((r) => r.org));
    const orgs = (autoAddOrgs.all(integration) as { name: string; source: string; autoAdd: number | null }[])
      .filter((o) => (o.autoAdd === null ? ORG_SYNC_DEFAULT_SETTINGS.autoAddPackages : o.autoAdd === 1) && sourceCovers(o.source, repo.fullName) && !ignoredBy.has(o.name))
      .map((o) => o.name);
    const targets: DeliveryTargets = { checks: orgs, repo: repo.fullName };
    if (orgs.length === 0) return { status: 'ignored', outcome: `${why}: no organization adds packages from it`, targets };
    const jobs = orgs.map((o) => requestRepoCheck(deps.queue, o, repo, `webhook:${integration}`).job.id);
    return { status: 'accepted', outcome: `${why}: check for a composer.json in ${orgs.join(', ')} queued (jobs ${jobs.join(', ')})`, targets };
  }

  /** Queues what a verified event asks for; returns a description for the delivery log and what it queued. */
  function dispatch(integration: string, hook: HookEvent): Dispatched {
    const syncAll = (why: string, repo?: string): Dispatched => {
      const orgs = (syncedOrgs.all(integration) as { name: string }[]).map((r) => r.name);
      const jobs = orgs.map((o) => requestSync(deps.queue, o, `webhook:${integration}`).job.id);
      const targets: DeliveryTargets = { syncs: orgs, ...(repo !== undefined ? { repo } : {}) };
      return orgs.length > 0
        ? { status: 'accepted', outcome: `${why}: sync of ${orgs.join(', ')} queued (jobs ${jobs.join(', ')})`, targets }
        : { status: 'ignored', outcome: `${why}: no organization syncs from ${integration}`, targets };
    };
    switch (hook.kind) {
      case 'ping':
        return { status: 'accepted', outcome: 'ping' };
      case 'push':
      case 'ref-created':
      case 'ref-deleted':
      case 'release': {
        const rows = packagesOfRepo.all(integration, hook.repo.id) as { packageId: number | null; composer: string; org: string }[];
        const pkgs = rows.filter((r) => r.packageId !== null);
        if (pkgs.length > 0) {
          const jobs = pkgs.map((r) => requestUpdate(deps.queue, r.packageId as number, `webhook:${integration}`).job.id);
          return {
            status: 'accepted',
            outcome: `${hook.kind} on ${hook.repo.fullName}: update queued (jobs ${jobs.join(', ')})`,
            targets: { updates: pkgs.map((r) => ({ org: r.org, packageId: r.packageId as number })), repo: hook.repo.fullName },
          };
        }
        // A repository that is not a package yet may just have received its composer.json: check
        // that one repository now, and forget its last check so the sync looks again too (forges
        // without a push time would otherwise wait for the periodic re-check).
        if (hook.kind === 'push') {
          forgetComposerCheck.run(integration, hook.repo.id);
          return checkRepo(integration, hook.repo, rows);
        }
        return { status: 'ignored', outcome: `${hook.kind} on ${hook.repo.fullName}: not a package`, targets: { repo: hook.repo.fullName } };
      }
      case 'repository':
        return syncAll(`repository ${hook.repo.fullName} ${hook.action}`, hook.repo.fullName);
      case 'team':
      case 'membership':
      case 'organization':
      case 'member':
        return syncAll(`${hook.kind} ${hook.action}`);
      case 'ignored':
        return { status: 'ignored', outcome: `event ${hook.event} is not used` };
    }
  }

  app.register(async (scope) => {
    // The signature covers the exact bytes: keep the body raw, whatever its content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { integration: string } }>('/hooks/:integration', { bodyLimit: HOOK_BODY_LIMIT }, (req, reply) => {
      const id = req.params.integration;
      const cfg = deps.config.integrations.find((i) => i.id === id);
      if (!cfg) {
        metric.inc({ integration: 'unknown', outcome: 'unknown_integration' });
        return sendNotFound(reply);
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let forge;
      try {
        forge = deps.forges.get(id);
      } catch (e) {
        metric.inc({ integration: id, outcome: 'unsupported' });
        return reply.code(501).send({ error: e instanceof Error ? e.message : String(e) });
      }
      const verified = forge.verifyHook({ headers: req.headers, body }, webhookSecret(deps.db, deps.box, cfg));
      if (!verified.ok) {
        metric.inc({ integration: id, outcome: verified.status === 401 ? 'bad_signature' : 'bad_request' });
        // What the request claimed, never its body nor its signature.
        const event = claimed(verified.event, 64);
        const deliveryId = claimed(verified.deliveryId, 100);
        deps.log.warn({ integration: id, status: verified.status, reason: verified.reason, event, deliveryId }, 'webhook rejected');
        const outcome = `Rejected (${verified.status}): ${verified.reason}; delivery id as sent: ${deliveryId ?? 'none'}`;
        try {
          recordRejected(id, outcome.slice(0, 2000), event ?? '(none)');
        } catch (e) {
          deps.log.error({ integration: id, err: e }, 'could not log a rejected webhook delivery');
        }
        return reply.code(verified.status).send({ error: verified.reason });
      }
      const fresh = claimDelivery.run({ integration: id, deliveryId: verified.deliveryId, event: verified.event, action: actionOf(body), at: Date.now() }).changes === 1;
      if (!fresh) {
        metric.inc({ integration: id, outcome: 'duplicate' });
        return reply.code(200).send({ status: 'duplicate', delivery: verified.deliveryId });
      }
      let result: { status: 'accepted' | 'ignored' | 'failed'; outcome: string; targets?: DeliveryTargets };
      try {
        result = dispatch(id, verified.hook);
      } catch (e) {
        // Kept replayable: Activity offers the repository's update or the org's sync again.
        const repo = repoOfHook(verified.hook);
        result = { status: 'failed', outcome: e instanceof Error ? e.message : String(e), targets: repo === undefined ? {} : { repo } };
        deps.log.error({ integration: id, delivery: verified.deliveryId, event: verified.event, err: e }, 'webhook handling failed');
      }
      const targets = result.targets === undefined ? null : JSON.stringify(result.targets);
      setOutcome.run(result.status, result.outcome.slice(0, 2000), targets, id, verified.deliveryId);
      metric.inc({ integration: id, outcome: result.status });
      // A ping queues nothing: 200 (Bitbucket's Test button and DESIGN §3 expect it); work queued: 202.
      const code = result.status === 'failed' ? 500 : verified.hook.kind === 'ping' ? 200 : 202;
      return reply.code(code).send({ status: result.status, delivery: verified.deliveryId, outcome: result.outcome });
    });
  });
}
