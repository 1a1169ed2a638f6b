// Removals inside an organization: a package (owners and admins), a member of an unsynced
// organization (owners and admins), the organization itself (instance admins). Each is a
// confirmation page (GET, works without JavaScript) and a POST with the CSRF token; the package
// and the organization ask for their name typed. Those who may not get the usual 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, canOnInstance } from '../../../domain/policy.js';
import { removePackage } from '../../../services/packages.js';
import { deleteOrganization, memberRole, removeOrgMember } from '../../../services/orgs.js';
import { confirmPage, type ConfirmView } from '../../../../views/confirm.js';
import { notFound, resolveOrg, resolveOrgFor, sendHtml, uiActor, viewContext, type OrgScope, type Ui } from './support.js';

type PkgParams = { org: string; vendor: string; name: string };
type MemberParams = { org: string; login: string };
type ConfirmBody = { confirm?: unknown } | undefined;

export function removalRoutes(app: FastifyInstance, ui: Ui): void {
  const deps = ui.deps;
  const confirm = (req: FastifyRequest, reply: FastifyReply, v: ConfirmView, status = 200) => sendHtml(reply, confirmPage(viewContext(ui, req), v), status);
  const typed = (req: FastifyRequest, name: string) => (req.body as ConfirmBody)?.confirm === name;
  const orgCrumb = (org: string) => ({ href: `${ui.base}/${org}/`, label: org });

  // ------------------------------------------------------------ package

  /** The package, when the user may read it and remove it; the 404 otherwise. */
  function removable(req: FastifyRequest<{ Params: PkgParams }>, reply: FastifyReply): { r: OrgScope; name: string } | null {
    const r = resolveOrg(ui, req, reply, req.params.org);
    if (!r) return null;
    const pkg = deps.uiReads.package(r.org.id, `${req.params.vendor}/${req.params.name}`);
    const ok = pkg !== null && pkg.name !== null && can(r.principal, 'package:read', { org: r.facts, packageId: pkg.id })
      && can(r.principal, 'package:remove', { org: r.facts, packageId: pkg.id });
    if (!ok) {
      notFound(ui, req, reply);
      return null;
    }
    return { r, name: pkg.name as string };
  }

  function packageConfirm(org: string, name: string, error?: string): ConfirmView {
    const href = `${ui.base}/${org}/-/packages/${name}`;
    const days = deps.config.housekeeping.removed_dist_grace_days;
    return {
      title: `Remove ${name}`,
      lines: [
        `${name} disappears from ${org}'s packages.json and metadata at once: composer no longer finds it.`,
        `The dists already built stay downloadable for existing lock files for ${days} days, then housekeeping deletes them.`,
        'A repository synced from a forge is not added again by the next sync; an owner can add it again by hand.',
      ],
      action: `${href}/remove`, button: 'Remove package', cancel: href, typeName: name, error,
      crumbs: [orgCrumb(org), { href, label: name }, { href: `${href}/remove`, label: 'remove' }],
    };
  }

  app.get<{ Params: PkgParams }>('/:org/-/packages/:vendor/:name/remove', (req, reply) => {
    const found = removable(req, reply);
    return found ? confirm(req, reply, packageConfirm(found.r.org.name, found.name)) : reply;
  });

  app.post<{ Params: PkgParams }>('/:org/-/packages/:vendor/:name/remove', (req, reply) => {
    const found = removable(req, reply);
    if (!found) return reply;
    if (!typed(req, found.name)) return confirm(req, reply, packageConfirm(found.r.org.name, found.name, `Type ${found.name} to confirm.`), 400);
    removePackage(deps.db, found.r.org.name, found.name, deps.config.housekeeping.removed_dist_grace_days, uiActor(req));
    return reply.redirect(`${ui.base}/${found.r.org.name}/`, 303);
  });

  // ------------------------------------------------------------ member

  function memberConfirm(org: string, login: string): ConfirmView {
    const teams = `${ui.base}/${org}/-/teams`;
    const action = `${ui.base}/${org}/-/members/${encodeURIComponent(login)}/remove`;
    return {
      title: `Remove ${login} from ${org}`,
      lines: [`${login} no longer reads ${org}'s packages: their tokens reach nothing here from the next request. Their account and other organizations stay.`],
      action, button: 'Remove member', cancel: teams, crumbs: [orgCrumb(org), { href: teams, label: 'members' }, { href: action, label: 'remove' }],
    };
  }

  function memberScope(req: FastifyRequest<{ Params: MemberParams }>, reply: FastifyReply): OrgScope | null {
    const r = resolveOrgFor(ui, req, reply, req.params.org, 'member:remove');
    if (!r) return null;
    if (memberRole(deps.db, r.org.id, req.params.login) === null) {
      notFound(ui, req, reply);
      return null;
    }
    return r;
  }

  app.get<{ Params: MemberParams }>('/:org/-/members/:login/remove', (req, reply) => {
    const r = memberScope(req, reply);
    return r ? confirm(req, reply, memberConfirm(r.org.name, req.params.login)) : reply;
  });

  app.post<{ Params: MemberParams }>('/:org/-/members/:login/remove', (req, reply) => {
    const r = memberScope(req, reply);
    if (!r) return reply;
    removeOrgMember(deps.db, r.org.name, req.params.login, uiActor(req));
    return reply.redirect(`${ui.base}/${r.org.name}/-/teams`, 303);
  });

  // ------------------------------------------------------------ organization

  function deletable(req: FastifyRequest<{ Params: { org: string } }>, reply: FastifyReply): OrgScope | null {
    const r = resolveOrg(ui, req, reply, req.params.org);
    if (!r) return null;
    if (!canOnInstance(r.principal, 'org:delete')) {
      notFound(ui, req, reply);
      return null;
    }
    return r;
  }

  function orgConfirm(org: string, error?: string): ConfirmView {
    const action = `${ui.base}/${org}/-/delete`;
    return {
      title: `Delete the organization ${org}`,
      lines: [
        `${org} is deleted with its packages, members, teams, credentials and tokens; composer requests to /${org}/ get 404 at once.`,
        'Mirrors and dists on disk go at the next housekeeping. The audit trail stays. This cannot be undone.',
      ],
      action, button: 'Delete organization', cancel: `${ui.base}/${org}/-/settings`, typeName: org, error, crumbs: [orgCrumb(org), { href: action, label: 'delete' }],
    };
  }

  app.get<{ Params: { org: string } }>('/:org/-/delete', (req, reply) => {
    const r = deletable(req, reply);
    return r ? confirm(req, reply, orgConfirm(r.org.name)) : reply;
  });

  app.post<{ Params: { org: string } }>('/:org/-/delete', (req, reply) => {
    const r = deletable(req, reply);
    if (!r) return reply;
    if (!typed(req, r.org.name)) return confirm(req, reply, orgConfirm(r.org.name, `Type ${r.org.name} to confirm.`), 400);
    deleteOrganization(deps, r.org.name, uiActor(req));
    return reply.redirect(`${ui.base}/`, 303);
  });
}
