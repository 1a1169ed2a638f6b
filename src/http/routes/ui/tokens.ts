// Tokens for one organization: the signed-in user's own, and (for its owners and admins) every
// token reaching it: its CI tokens and user tokens narrowed to it. List with last use, create
// with scope and expiry (the secret is shown once, in the response to the POST), revoke after a
// confirmation page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../../domain/policy.js';
import { isAppError } from '../../../domain/errors.js';
import { createToken, findToken, listTokens, revokeToken, type TokenListing } from '../../../services/tokens.js';
import { confirmPage } from '../../../../views/confirm.js';
import { tokensPage, type TokensPageView } from '../../../../views/tokens.js';
import { notFound, orgLinks, resolveOrg, sendError, sendHtml, uiActor, viewContext, type OrgScope, type Ui } from './support.js';

interface CreateBody {
  name?: string;
  scope?: string;
  expires?: string;
  owner?: string;
}

export function tokenRoutes(app: FastifyInstance, ui: Ui): void {
  /** The organization, when the user may hold tokens for it (members and admins). */
  function resolve(req: FastifyRequest<{ Params: { org: string } }>, reply: FastifyReply): OrgScope | null {
    const r = resolveOrg(ui, req, reply, req.params.org);
    if (!r) return null;
    if (!can(r.principal, 'token:create', { org: r.facts })) {
      notFound(ui, req, reply);
      return null;
    }
    return r;
  }

  const manages = (r: OrgScope) => can(r.principal, 'org:manage', { org: r.facts });

  function render(req: FastifyRequest, reply: FastifyReply, r: OrgScope, extra: Partial<TokensPageView> = {}, status = 200): FastifyReply {
    const userId = req.session?.userId as number;
    // Everyone else's tokens reaching the organization (the user's own are listed above them).
    const orgTokens = can(r.principal, 'token:manage', { org: r.facts })
      ? listTokens(ui.deps.db, { org: r.org.name, all: true }).filter((t) => t.kind === 'org' || t.userId !== userId)
      : null;
    return sendHtml(reply, tokensPage(viewContext(ui, req), { org: r.org.name, tokens: ui.deps.uiReads.tokens(userId, r.org.id), orgTokens, links: orgLinks(r), ...extra }), status);
  }

  app.get<{ Params: { org: string } }>('/:org/-/tokens', (req, reply) => {
    const r = resolve(req, reply);
    return r ? render(req, reply, r) : reply;
  });

  app.post<{ Params: { org: string }; Body: CreateBody }>('/:org/-/tokens', (req, reply) => {
    const r = resolve(req, reply);
    if (!r) return reply;
    const body = (req.body ?? {}) as CreateBody;
    const form = {
      name: typeof body.name === 'string' ? body.name.trim().slice(0, 100) : '',
      scope: body.scope === 'update' ? 'update' : 'read',
      expires: typeof body.expires === 'string' ? body.expires.trim() : '',
      owner: body.owner === 'org' ? 'org' : 'me',
    } as const;
    if (form.owner === 'org' && !manages(r)) {
      return sendError(ui, req, reply, 403, 'Not allowed', 'Only owners of the organization create its CI tokens.');
    }
    if (body.scope !== undefined && body.scope !== 'read' && body.scope !== 'update') {
      return render(req, reply, r, { error: 'The scope must be read or update.', form }, 400);
    }
    try {
      const created = createToken(
        ui.deps.db,
        { user: form.owner === 'org' ? undefined : req.session?.login, org: r.org.name, scope: form.scope, name: form.name || undefined, expires: form.expires || undefined },
        uiActor(req),
      );
      const name = findToken(ui.deps.db, created.id)?.name ?? form.name;
      return render(req, reply.header('Cache-Control', 'no-store'), r, { created: { token: created.token, name } }, 201);
    } catch (err) {
      // Expected input errors (a bad or past expiry date) go back to the form.
      if (isAppError(err) && err.httpStatus < 500) return render(req, reply, r, { error: err.message.replace(/^--expires/, 'The expiry date'), form }, 400);
      throw err;
    }
  });

  /** A live token this user may revoke here: their own for this organization, or (owners, admins) any reaching it. */
  function revocable(req: FastifyRequest<{ Params: { org: string; id: string } }>, r: OrgScope): TokenListing | null {
    const id = /^\d{1,12}$/.test(req.params.id) ? Number(req.params.id) : null;
    const token = id === null ? null : findToken(ui.deps.db, id);
    if (!token || token.status !== 'active' || token.orgId !== r.org.id) return null;
    const mine = token.kind === 'user' && token.userId === req.session?.userId;
    return mine || can(r.principal, 'token:manage', { org: r.facts }) ? token : null;
  }

  app.get<{ Params: { org: string; id: string } }>('/:org/-/tokens/:id/revoke', (req, reply) => {
    const r = resolve(req, reply);
    if (!r) return reply;
    const token = revocable(req, r);
    if (!token) return notFound(ui, req, reply);
    const back = `${ui.base}/${r.org.name}/-/tokens`;
    const whose = token.kind === 'org' ? `the organization's CI token` : token.userId === req.session?.userId ? 'your token' : `${token.owner}'s token`;
    return sendHtml(reply, confirmPage(viewContext(ui, req), {
      title: `Revoke token "${token.name}"`,
      lines: [`${whose} ${token.hint} (${token.scope}) stops working on its next request. This cannot be undone: create a new token if it is still needed.`],
      action: `${back}/${token.id}/revoke`, button: 'Revoke token', cancel: back,
      crumbs: [{ href: `${ui.base}/${r.org.name}/`, label: r.org.name }, { href: back, label: 'tokens' }],
    }));
  });

  app.post<{ Params: { org: string; id: string } }>('/:org/-/tokens/:id/revoke', (req, reply) => {
    const r = resolve(req, reply);
    if (!r) return reply;
    const token = revocable(req, r);
    if (!token) return notFound(ui, req, reply);
    revokeToken(ui.deps.db, token.id, uiActor(req));
    return reply.redirect(`${ui.base}/${r.org.name}/-/tokens`, 303);
  });
}
