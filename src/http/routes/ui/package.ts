// A package's page, "Update now" (enqueues an update job) and the job status fragment it polls;
// the generic hook URL: shown with its latest deliveries to those who may manage the package
// (package:manage), replaced after a confirmation (audited); readers only learn that one is set.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../../domain/policy.js';
import { shownError } from '../../../domain/error-detail.js';
import { rotateHookToken, storedHookUrl } from '../../../services/hook-urls.js';
import { GenericDeliveries } from '../../../services/generic-deliveries.js';
import { confirmPage } from '../../../../views/confirm.js';
import { replaceHookConfirm, type HookUrlView } from '../../../../views/package-hook.js';
import type { JobRow } from '../../../jobs/queue.js';
import type { PackageDetail } from '../../../services/ui-reads.js';
import { jobStatus, packagePage, type JobView } from '../../../../views/package.js';
import { packageHref } from '../../../../views/orgs.js';
import { notFound, orgLinks, resolveOrg, sendError, sendHtml, uiActor, viewContext, type OrgScope, type Ui } from './support.js';
import { requestUpdate } from '../../../jobs/requests.js';

type PkgParams = { org: string; vendor: string; name: string };

/** "2 versions added, 1 removed" from an update job's result; null while it runs. */
function summaryOf(j: JobRow): string | null {
  if (j.status !== 'done' || !j.result) return null;
  const added = Array.isArray(j.result.added) ? j.result.added.length : 0;
  const removed = Array.isArray(j.result.removed) ? j.result.removed.length : 0;
  if (added === 0 && removed === 0) return j.result.changed === true ? 'versions refreshed' : 'no change';
  return `${added} version${added === 1 ? '' : 's'} added, ${removed} removed`;
}

type Detail = (message: string | null) => string | null;
const jobView = (j: JobRow, detail: Detail): JobView => ({ id: j.id, status: j.status, error: detail(j.error), finishedAt: j.finishedAt, summary: summaryOf(j) });

/** Connection errors in full for owners and admins, one generic sentence for everyone else. */
const errorDetail = (r: OrgScope, pkg: PackageDetail): Detail => {
  const may = can(r.principal, 'package:diagnose', { org: r.facts, packageId: pkg.id });
  return (message) => shownError(message, pkg.lastErrorCode, may);
};

/** Deliveries shown on the package page. */
export const PACKAGE_PAGE_DELIVERIES = 10;

export function packageRoutes(app: FastifyInstance, ui: Ui): void {
  const deliveries = new GenericDeliveries(ui.deps.sqlite);

  /** The organization and the package, when the user may read it; replies itself otherwise. */
  function resolvePackage(req: FastifyRequest<{ Params: PkgParams }>, reply: FastifyReply): { r: OrgScope; pkg: PackageDetail } | null {
    const r = resolveOrg(ui, req, reply, req.params.org);
    if (!r) return null;
    const pkg = ui.deps.uiReads.package(r.org.id, `${req.params.vendor}/${req.params.name}`);
    if (!pkg || !can(r.principal, 'package:read', { org: r.facts, packageId: pkg.id })) {
      notFound(ui, req, reply);
      return null;
    }
    return { r, pkg };
  }

  function renderPage(req: FastifyRequest, reply: FastifyReply, r: OrgScope, pkg: PackageDetail, hookReplaced = false): FastifyReply {
    const activeId = ui.deps.uiReads.activeUpdateJob(pkg.id);
    const canManage = can(r.principal, 'package:manage', { org: r.facts, packageId: pkg.id });
    const hook: HookUrlView = canManage ? storedHookUrl(ui.deps.db, ui.deps.box, ui.publicUrl, pkg.id) : { state: 'hidden', set: pkg.hasHook };
    // The page carries a secret: never kept by a cache.
    if (hook.state === 'shown') reply.header('Cache-Control', 'no-store');
    const active = activeId !== null ? ui.deps.queue.get(activeId) : null;
    return sendHtml(
      reply,
      packagePage(viewContext(ui, req), {
        org: r.org.name,
        name: pkg.name as string,
        url: pkg.url,
        vcsType: pkg.vcsType,
        description: pkg.description,
        status: pkg.status,
        forgeStatus: pkg.forgeStatus,
        lastUpdatedAt: pkg.lastUpdatedAt,
        lastError: errorDetail(r, pkg)(pkg.lastError),
        lastErrorAt: pkg.lastErrorAt,
        versions: pkg.versions,
        skipped: pkg.skipped,
        hook,
        hookReplaced,
        hookDeliveries: canManage ? deliveries.forPackage(pkg.id, PACKAGE_PAGE_DELIVERIES) : undefined,
        canUpdate: can(r.principal, 'package:update', { org: r.facts, packageId: pkg.id }),
        canRemove: can(r.principal, 'package:remove', { org: r.facts, packageId: pkg.id }),
        activeJob: active ? jobView(active, errorDetail(r, pkg)) : null,
        links: orgLinks(r),
      }),
      hookReplaced ? 201 : 200,
    );
  }

  app.get<{ Params: PkgParams }>('/:org/-/packages/:vendor/:name', (req, reply) => {
    const found = resolvePackage(req, reply);
    return found ? renderPage(req, reply, found.r, found.pkg) : reply;
  });

  /** The package when the user may manage it; 403 for a reader, the 404 for anyone else. */
  function manageable(req: FastifyRequest<{ Params: PkgParams }>, reply: FastifyReply): { r: OrgScope; pkg: PackageDetail } | null {
    const found = resolvePackage(req, reply);
    if (!found) return null;
    if (!can(found.r.principal, 'package:manage', { org: found.r.facts, packageId: found.pkg.id })) {
      sendError(ui, req, reply, 403, 'Not allowed', 'Only those who manage the package can see or replace its hook URL.');
      return null;
    }
    return found;
  }

  // "Replace…": the confirmation (works without JavaScript), then the POST with the CSRF token.
  app.get<{ Params: PkgParams }>('/:org/-/packages/:vendor/:name/hook', (req, reply) => {
    const found = manageable(req, reply);
    if (!found) return reply;
    const v = replaceHookConfirm(viewContext(ui, req), found.r.org.name, found.pkg.name as string, found.pkg.hasHook);
    return sendHtml(reply, confirmPage(viewContext(ui, req), v));
  });

  app.post<{ Params: PkgParams }>('/:org/-/packages/:vendor/:name/hook', (req, reply) => {
    const found = manageable(req, reply);
    if (!found) return reply;
    const { r, pkg } = found;
    rotateHookToken(ui.deps.db, ui.deps.box, pkg.id, uiActor(req));
    return renderPage(req, reply, r, { ...pkg, hasHook: true }, true);
  });

  app.post<{ Params: PkgParams }>('/:org/-/packages/:vendor/:name/update', (req, reply) => {
    const found = resolvePackage(req, reply);
    if (!found) return reply;
    const { r, pkg } = found;
    if (!can(r.principal, 'package:update', { org: r.facts, packageId: pkg.id })) return notFound(ui, req, reply);
    const { job } = requestUpdate(ui.deps.queue, pkg.id, uiActor(req));
    if (req.headers['hx-request']) return sendHtml(reply.code(202), jobStatus(viewContext(ui, req), r.org.name, pkg.name as string, jobView(job, errorDetail(r, pkg))), 202);
    return reply.redirect(packageHref(viewContext(ui, req), r.org.name, pkg.name as string), 303);
  });

  app.get<{ Params: PkgParams & { id: string } }>('/:org/-/packages/:vendor/:name/jobs/:id', (req, reply) => {
    const found = resolvePackage(req, reply);
    if (!found) return reply;
    const { r, pkg } = found;
    const id = /^\d{1,12}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const job = Number.isNaN(id) ? null : ui.deps.queue.get(id);
    if (!job || job.lockKey !== `package:${pkg.id}`) return notFound(ui, req, reply);
    return sendHtml(reply, jobStatus(viewContext(ui, req), r.org.name, pkg.name as string, jobView(job, errorDetail(r, pkg))));
  });
}
