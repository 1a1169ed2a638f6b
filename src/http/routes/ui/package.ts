// A package's page, "Update now" (enqueues an update job) and the job status fragment it polls.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../../domain/policy.js';
import { shownError } from '../../../domain/error-detail.js';
import { rotateHookToken } from '../../../services/packages.js';
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

export function packageRoutes(app: FastifyInstance, ui: Ui): void {
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

  function renderPage(req: FastifyRequest, reply: FastifyReply, r: OrgScope, pkg: PackageDetail, newHookUrl?: string): FastifyReply {
    const activeId = ui.deps.uiReads.activeUpdateJob(pkg.id);
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
        hasHook: pkg.hasHook,
        canUpdate: can(r.principal, 'package:update', { org: r.facts, packageId: pkg.id }),
        canManage: can(r.principal, 'package:manage', { org: r.facts, packageId: pkg.id }),
        canRemove: can(r.principal, 'package:remove', { org: r.facts, packageId: pkg.id }),
        newHookUrl,
        activeJob: active ? jobView(active, errorDetail(r, pkg)) : null,
        links: orgLinks(r),
      }),
      newHookUrl ? 201 : 200,
    );
  }

  app.get<{ Params: PkgParams }>('/:org/-/packages/:vendor/:name', (req, reply) => {
    const found = resolvePackage(req, reply);
    return found ? renderPage(req, reply, found.r, found.pkg) : reply;
  });

  // A new generic hook URL (the secret is stored hashed, so the old one cannot be shown).
  app.post<{ Params: PkgParams }>('/:org/-/packages/:vendor/:name/hook', (req, reply) => {
    const found = resolvePackage(req, reply);
    if (!found) return reply;
    const { r, pkg } = found;
    if (!can(r.principal, 'package:manage', { org: r.facts, packageId: pkg.id })) {
      return sendError(ui, req, reply, 403, 'Not allowed', 'Only owners of the organization can replace the hook URL.');
    }
    const secret = rotateHookToken(ui.deps.db, pkg.id, uiActor(req));
    reply.header('Cache-Control', 'no-store');
    return renderPage(req, reply, r, { ...pkg, hasHook: true }, `${ui.publicUrl}/hooks/generic/${secret}`);
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
