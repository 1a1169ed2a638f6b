// The home page (organizations the user may read; all for admins) and an organization's page
// with its packages; /ORG/-/packages answers the search box with just the rows.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, canOnInstance, type OrgFacts, type Principal } from '../../../domain/policy.js';
import type { PackageSummary } from '../../../services/ui-reads.js';
import { homePage, orgPage, packageRows, type OrgListItem, type PackageRowsMore } from '../../../../views/orgs.js';
import { orgLinks, requireUser, resolveOrg, sendHtml, viewContext, type Ui } from './support.js';

function visiblePackages(ui: Ui, principal: Principal, facts: OrgFacts, q: string): PackageSummary[] {
  return ui.deps.uiReads.packages(facts.orgId, q).filter((p) => can(principal, 'package:read', { org: facts, packageId: p.id }));
}

const queryOf = (req: FastifyRequest) => {
  const q = (req.query as { q?: unknown }).q;
  return typeof q === 'string' ? q.slice(0, 100) : '';
};

/** Package rows per page: an organization may hold thousands of packages. */
export const PACKAGE_PAGE_SIZE = 100;

/** One page of `rows` from `?offset=` (0 when absent or malformed), and where the list continues. */
function pageOf<T>(req: FastifyRequest, rows: readonly T[]): { rows: T[]; more: PackageRowsMore | null } {
  const raw = (req.query as { offset?: unknown }).offset;
  const offset = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : 0;
  const end = offset + PACKAGE_PAGE_SIZE;
  return { rows: rows.slice(offset, end), more: rows.length > end ? { offset: end, remaining: rows.length - end } : null };
}

export function orgRoutes(app: FastifyInstance, ui: Ui): void {
  app.get('/', (req, reply) => {
    const principal = requireUser(ui, req, reply);
    if (!principal) return reply;
    const items: OrgListItem[] = [];
    for (const o of ui.deps.uiReads.orgs()) {
      const facts = ui.deps.access.facts(principal, o);
      if (!can(principal, 'org:read', { org: facts })) continue;
      // Only a count: the ids suffice (the rows' descriptions are for the organization's page).
      const packages = ui.deps.uiReads.packageIds(o.id).filter((id) => can(principal, 'package:read', { org: facts, packageId: id })).length;
      items.push({ name: o.name, role: facts.role, synced: o.syncIntegration !== null, packages });
    }
    return sendHtml(reply, homePage(viewContext(ui, req), items, { canCreateOrg: canOnInstance(principal, 'org:create') }));
  });

  app.get<{ Params: { org: string } }>('/:org', (req, reply) => {
    const r = resolveOrg(ui, req, reply, req.params.org);
    if (!r) return reply;
    const q = queryOf(req);
    const page = pageOf(req, visiblePackages(ui, r.principal, r.facts, q));
    return sendHtml(
      reply,
      orgPage(viewContext(ui, req), {
        org: r.org.name,
        synced: r.org.syncIntegration !== null,
        rows: page.rows,
        more: page.more,
        q,
        publicUrl: ui.publicUrl,
        canCreateTokens: can(r.principal, 'token:create', { org: r.facts }),
        links: orgLinks(r),
      }),
    );
  });

  // The search box's fragment and the "more" row's next page (rows from ?offset=); without
  // htmx (a plain form submit or link) the whole page, filtered.
  app.get<{ Params: { org: string } }>('/:org/-/packages', (req, reply) => {
    const r = resolveOrg(ui, req, reply, req.params.org);
    if (!r) return reply;
    const q = queryOf(req);
    const ctx = viewContext(ui, req);
    const { rows, more } = pageOf(req, visiblePackages(ui, r.principal, r.facts, q));
    if (req.headers['hx-request']) return sendHtml(reply.header('Vary', 'HX-Request'), packageRows(ctx, r.org.name, rows, q, more));
    return sendHtml(
      reply.header('Vary', 'HX-Request'),
      orgPage(ctx, { org: r.org.name, synced: r.org.syncIntegration !== null, rows, more, q, publicUrl: ui.publicUrl, canCreateTokens: can(r.principal, 'token:create', { org: r.facts }), links: orgLinks(r) }),
    );
  });
}
