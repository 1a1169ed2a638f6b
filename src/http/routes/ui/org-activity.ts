// The organization's activity (jobs, the forge's webhook deliveries with "Replay", deliveries on
// its packages' generic hook URLs) and its audit log: owners and instance admins only
// (org:manage), everyone else gets the 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Action } from '../../../domain/policy.js';
import { deliveryConcerns, replayTargetOf, type ReplayTarget } from '../../../domain/deliveries.js';
import { writeAudit } from '../../../db/repos/audit.js';
import type { DeliveryView, OrgAdminReads } from '../../../services/org-admin-reads.js';
import { activityPage, auditPage, auditRows, replayResult } from '../../../../views/org-activity.js';
import { isHx, notFound, orgLinks, resolveOrgFor, sendError, sendHtml, uiActor, viewContext, type OrgScope, type Ui } from './support.js';
import { requestSync, requestUpdate } from '../../../jobs/requests.js';
import { GenericDeliveries } from '../../../services/generic-deliveries.js';

type OrgParams = { org: string };

export const AUDIT_PAGE_SIZE = 50;
/** Generic hook URL deliveries shown on Activity. */
export const ACTIVITY_HOOK_DELIVERIES = 50;

/**
 * What a delivery queued for this organization: its stored targets, or for deliveries logged
 * before they were stored, read back from the outcome line (forge-hooks.ts writes both).
 */
function replayTarget(reads: OrgAdminReads, orgId: number, orgName: string, d: DeliveryView): ReplayTarget | null {
  if (d.status === 'failed') {
    // Its handling threw (500), maybe before it queued anything: replay what it queued if it
    // got that far, else the update of the repository's package here, else a sync (it covers any event).
    const queued = d.targets !== null ? replayTargetOf(d.targets, orgName) : null;
    if (queued) return queued;
    const packageId = d.targets?.repo !== undefined ? reads.packageOfRepo(orgId, d.targets.repo) : null;
    return packageId !== null ? { kind: 'update', packageId } : { kind: 'sync' };
  }
  if (d.status !== 'accepted') return null;
  if (d.targets !== null) return replayTargetOf(d.targets, orgName);
  const update = /^(?:push|ref-created|ref-deleted|release) on (\S+): update queued/.exec(d.outcome);
  if (update) {
    const packageId = reads.packageOfRepo(orgId, update[1] as string);
    return packageId === null ? null : { kind: 'update', packageId };
  }
  const sync = /: sync of (.+) queued \(jobs/.exec(d.outcome);
  if (sync && (sync[1] as string).split(', ').includes(orgName)) return { kind: 'sync' };
  return null;
}

/**
 * Whether a delivery's outcome concerns this organization: when several organizations sync from
 * one integration, their owners see only deliveries naming their repositories or their sync.
 */
function concernsOrg(reads: OrgAdminReads, orgId: number, orgName: string, d: DeliveryView): boolean {
  if (d.targets !== null) return deliveryConcerns(d.targets, orgName, (repo) => reads.isOrgRepo(orgId, repo));
  const sync = /sync of (.+) queued \(jobs/.exec(d.outcome);
  if (sync) return (sync[1] as string).split(', ').includes(orgName);
  const repo = /^(?:push|ref-created|ref-deleted|release|repository) (?:on )?([^\s:]+)[: ]/.exec(d.outcome);
  if (repo) return reads.isOrgRepo(orgId, repo[1] as string);
  return true;
}

export function orgActivityRoutes(app: FastifyInstance, ui: Ui, reads: OrgAdminReads): void {
  const deps = ui.deps;
  const hookDeliveries = new GenericDeliveries(deps.sqlite);
  const scoped = (req: FastifyRequest<{ Params: OrgParams }>, reply: FastifyReply, action: Action): OrgScope | null =>
    resolveOrgFor(ui, req, reply, req.params.org, action);

  app.get<{ Params: OrgParams }>('/:org/-/activity', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    const integration = r.org.syncIntegration;
    const jobs = reads.jobs(r.org.id, r.org.name);
    const shared = integration !== null && reads.orgsSyncingFrom(integration) > 1 && !(r.principal.kind === 'user' && r.principal.isAdmin);
    const deliveries = integration
      ? {
          integration,
          rows: reads.deliveries(integration, shared ? 500 : 50)
            .filter((d) => !shared || concernsOrg(reads, r.org.id, r.org.name, d))
            .slice(0, 50)
            .map((d) => ({ ...d, replayable: replayTarget(reads, r.org.id, r.org.name, d) !== null })),
        }
      : null;
    return sendHtml(reply, activityPage(viewContext(ui, req), {
      org: r.org.name, links: orgLinks(r), jobs, deliveries, hookDeliveries: hookDeliveries.forOrg(r.org.id, ACTIVITY_HOOK_DELIVERIES),
    }));
  });

  app.post<{ Params: OrgParams & { id: string } }>('/:org/-/activity/deliveries/:id/replay', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    const id = /^\d{1,12}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const integration = r.org.syncIntegration;
    const d = integration && !Number.isNaN(id) ? reads.delivery(integration, id) : null;
    if (!integration || !d || !concernsOrg(reads, r.org.id, r.org.name, d)) return notFound(ui, req, reply);
    const target = replayTarget(reads, r.org.id, r.org.name, d);
    if (!target) {
      const msg = 'This delivery queued nothing for this organization, so there is nothing to replay.';
      return isHx(req) ? sendHtml(reply, replayResult(d.id, msg, false)) : sendError(ui, req, reply, 400, 'Nothing to replay', msg);
    }
    const { job } = target.kind === 'update' ? requestUpdate(deps.queue, target.packageId, uiActor(req)) : requestSync(deps.queue, r.org.name, uiActor(req));
    writeAudit(deps.db, {
      orgId: r.org.id, actor: uiActor(req), action: 'delivery.replay', target: `${integration}/${d.deliveryId}`,
      details: { event: d.event, queued: target.kind, job: job.id },
    });
    const text = `${target.kind === 'update' ? 'Update' : 'Sync'} #${job.id} queued.`;
    if (isHx(req)) return sendHtml(reply, replayResult(d.id, text, true), 202);
    return reply.redirect(`${viewContext(ui, req).base}/${r.org.name}/-/activity`, 303);
  });

  app.get<{ Params: OrgParams; Querystring: { before?: string } }>('/:org/-/audit', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    const before = typeof req.query.before === 'string' && /^\d{1,12}$/.test(req.query.before) ? Number(req.query.before) : null;
    const got = reads.namedAudit(r.org.id, r.org.syncIntegration, before, AUDIT_PAGE_SIZE + 1);
    const rows = got.slice(0, AUDIT_PAGE_SIZE);
    const next = got.length > AUDIT_PAGE_SIZE ? (rows[rows.length - 1]?.id ?? null) : null;
    const ctx = viewContext(ui, req);
    reply.header('Vary', 'HX-Request');
    if (isHx(req) && before !== null) return sendHtml(reply, auditRows(ctx, r.org.name, rows, next));
    return sendHtml(reply, auditPage(ctx, { org: r.org.name, links: orgLinks(r), rows, next }));
  });
}
