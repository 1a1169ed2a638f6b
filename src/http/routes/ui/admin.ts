// The instance admin's pages: /-/users (disable, enable, delete) and /-/tokens (revoke any token).
// Each action is a confirmation page (GET) and a POST with the CSRF token; others get the 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canOnInstance, type InstanceAction } from '../../../domain/policy.js';
import { deleteUser, disableUser, enableUser, findUser, listUsers } from '../../../services/users.js';
import { findToken, listTokens, revokeToken } from '../../../services/tokens.js';
import { allTokensPage, usersPage } from '../../../../views/admin.js';
import { confirmPage, type ConfirmView } from '../../../../views/confirm.js';
import { notFound, requireUser, sendError, sendHtml, uiActor, viewContext, type Ui } from './support.js';

type UserAction = 'disable' | 'enable' | 'delete';
const USER_ACTIONS: readonly UserAction[] = ['disable', 'enable', 'delete'];

export function adminRoutes(app: FastifyInstance, ui: Ui): void {
  const deps = ui.deps;

  /** Signed in as an instance admin; otherwise the login redirect or the same 404 as a missing page. */
  function admin(req: FastifyRequest, reply: FastifyReply, action: InstanceAction): boolean {
    const p = requireUser(ui, req, reply);
    if (!p) return false;
    if (!canOnInstance(p, action)) {
      notFound(ui, req, reply);
      return false;
    }
    return true;
  }

  const confirm = (req: FastifyRequest, reply: FastifyReply, v: ConfirmView, status = 200) => sendHtml(reply, confirmPage(viewContext(ui, req), v), status);

  // ------------------------------------------------------------ users

  app.get('/-/users', (req, reply) => {
    if (!admin(req, reply, 'user:manage')) return reply;
    return sendHtml(reply, usersPage(viewContext(ui, req), listUsers(deps.db)));
  });

  function userConfirm(login: string, action: UserAction, error?: string): ConfirmView {
    const base = `${ui.base}/-/users`;
    const lines: Record<UserAction, string[]> = {
      disable: [`${login} will no longer sign in (password or forge). Their sessions end and every token of theirs is revoked now.`, 'Memberships and the audit trail stay; you can enable the user again (the tokens stay revoked).'],
      enable: [`${login} may sign in again. Tokens revoked when the user was disabled stay revoked: they create new ones.`],
      delete: [`${login} is deleted with their memberships, team places, tokens and sessions. The audit log keeps their login.`, 'A user synced from a forge comes back at the next sync while the forge lists them: disable them instead to keep them out.'],
    };
    const button: Record<UserAction, string> = { disable: 'Disable user', enable: 'Enable user', delete: 'Delete user' };
    return {
      title: `${button[action]} ${login}`, lines: lines[action], action: `${base}/${encodeURIComponent(login)}/${action}`, button: button[action], cancel: base,
      ...(action === 'delete' ? { typeName: login } : {}), error, crumbs: [{ href: base, label: 'users' }, { href: `${base}/${encodeURIComponent(login)}/${action}`, label: action }],
    };
  }

  for (const action of USER_ACTIONS) {
    app.get<{ Params: { login: string } }>(`/-/users/:login/${action}`, (req, reply) => {
      if (!admin(req, reply, 'user:manage')) return reply;
      if (!findUser(deps.db, req.params.login)) return notFound(ui, req, reply);
      return confirm(req, reply, userConfirm(req.params.login, action));
    });

    app.post<{ Params: { login: string }; Body: { confirm?: string } }>(`/-/users/:login/${action}`, (req, reply) => {
      if (!admin(req, reply, 'user:manage')) return reply;
      const login = req.params.login;
      if (!findUser(deps.db, login)) return notFound(ui, req, reply);
      if (action !== 'enable' && login === req.session?.login) {
        return sendError(ui, req, reply, 409, 'Not on yourself', `You cannot ${action} your own account here; ask another instance admin, or use the CLI.`);
      }
      if (action === 'delete' && (req.body as { confirm?: unknown } | undefined)?.confirm !== login) {
        return confirm(req, reply, userConfirm(login, action, `Type ${login} to confirm.`), 400);
      }
      if (action === 'disable') disableUser(deps.db, login, uiActor(req));
      else if (action === 'enable') enableUser(deps.db, login, uiActor(req));
      else deleteUser(deps.db, login, uiActor(req));
      return reply.redirect(`${ui.base}/-/users`, 303);
    });
  }

  // ------------------------------------------------------------ tokens

  app.get<{ Querystring: { all?: string } }>('/-/tokens', (req, reply) => {
    if (!admin(req, reply, 'token:manage')) return reply;
    const all = req.query.all === '1';
    return sendHtml(reply, allTokensPage(viewContext(ui, req), listTokens(deps.db, { all }), all));
  });

  const tokenId = (s: string) => (/^\d{1,12}$/.test(s) ? Number(s) : null);

  app.get<{ Params: { id: string } }>('/-/tokens/:id/revoke', (req, reply) => {
    if (!admin(req, reply, 'token:manage')) return reply;
    const id = tokenId(req.params.id);
    const t = id === null ? null : findToken(deps.db, id);
    if (!t || t.status !== 'active') return notFound(ui, req, reply);
    const base = `${ui.base}/-/tokens`;
    return confirm(req, reply, {
      title: `Revoke token "${t.name}"`,
      lines: [`The token ${t.hint} of ${t.owner ?? `the organization ${t.org ?? ''}`} (${t.org ?? 'all orgs'}, ${t.scope}) stops working on its next request. This cannot be undone.`],
      action: `${base}/${t.id}/revoke`, button: 'Revoke token', cancel: base, crumbs: [{ href: base, label: 'tokens' }],
    });
  });

  app.post<{ Params: { id: string } }>('/-/tokens/:id/revoke', (req, reply) => {
    if (!admin(req, reply, 'token:manage')) return reply;
    const id = tokenId(req.params.id);
    const t = id === null ? null : findToken(deps.db, id);
    if (!t || t.status !== 'active') return notFound(ui, req, reply);
    revokeToken(deps.db, t.id, uiActor(req));
    return reply.redirect(`${ui.base}/-/tokens`, 303);
  });
}
