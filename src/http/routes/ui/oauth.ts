// Sign-in with the forge (GitHub / GitHub Enterprise OAuth web flow) and linking a forge account
// to the signed-in user. GET /login/ID starts (state + PKCE S256, the state in an HttpOnly
// SameSite=Lax cookie as well as server-side, single use, 10 minutes); GET /login/ID/callback
// checks the state, exchanges the code, reads GET /user and finds the Packyard user by the
// identity (integration, numeric forge id). Unknown forge accounts are refused, never created:
// users come from sync. The forge token is used for GET /user only and not kept.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { IntegrationConfig } from '../../../config/schema.js';
import { GitHubOAuth, pkcePair } from '../../../forges/github/oauth.js';
import { isForgeError } from '../../../forges/types.js';
import { findByExternalId, identitiesOf, linkIdentity, refreshIdentityLogin } from '../../../services/identities.js';
import { profilePage } from '../../../../views/profile.js';
import { cookieHeader, LOGIN_CSRF_COOKIE, parseCookies, requireUser, safeEqual, safeNext, sendError, sendHtml, SESSION_COOKIE, viewContext, type Ui } from './support.js';

export const OAUTH_STATE_COOKIE = 'packyard_oauth_state';
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;
const MAX_PENDING = 10_000;

interface Pending {
  integration: string;
  verifier: string;
  next: string;
  /** Link mode: the session (id) that started it; the callback must come from the same one. */
  linkSession: string | null;
  expiresAt: number;
}

type OAuthIntegration = IntegrationConfig & { oauth: { client_id: string; client_secret: string } };

/** The integrations a user may sign in with (GitHub type with an oauth app configured). */
export function oauthIntegrations(ui: Ui): OAuthIntegration[] {
  return ui.deps.config.integrations.filter((i): i is OAuthIntegration => i.oauth !== undefined && i.type === 'github');
}

export function forgeLabel(i: IntegrationConfig): string {
  return i.type === 'github' && /^https:\/\/(www\.)?github\.com\/?$/.test(i.url) ? 'GitHub' : `${i.id} (GitHub Enterprise)`;
}

export function oauthRoutes(app: FastifyInstance, ui: Ui): void {
  const pending = new Map<string, Pending>();
  const clients = new Map<string, GitHubOAuth>();
  app.addHook('onClose', (_app, done) => {
    for (const c of clients.values()) c.close();
    done();
  });

  const integrationOf = (id: string): OAuthIntegration | null => oauthIntegrations(ui).find((i) => i.id === id) ?? null;
  const clientOf = (i: OAuthIntegration): GitHubOAuth => {
    let c = clients.get(i.id);
    if (!c) clients.set(i.id, (c = new GitHubOAuth(i)));
    return c;
  };
  const redirectUri = (id: string) => `${ui.publicUrl}/login/${id}/callback`;
  const stateCookie = (value: string, maxAgeSeconds: number) => cookieHeader(ui, OAUTH_STATE_COOKIE, value, { maxAgeSeconds, path: `${ui.base}/login` });

  app.get<{ Params: { integration: string }; Querystring: { next?: string; link?: string } }>('/login/:integration', (req, reply) => {
    const integration = integrationOf(req.params.integration);
    if (!integration) return sendError(ui, req, reply, 404, 'Not found', 'There is no forge sign-in with this name.');
    const link = req.query.link === '1';
    const next = link ? '/-/profile' : safeNext(req.query.next);
    if (link && !requireUser(ui, req, reply)) return reply;
    if (!link && req.session) return reply.redirect(`${ui.base}${next}`, 303);

    const now = Date.now();
    if (pending.size >= MAX_PENDING) for (const [k, v] of pending) if (v.expiresAt <= now) pending.delete(k);
    if (pending.size >= MAX_PENDING) return sendError(ui, req, reply, 503, 'Busy', 'Too many sign-ins are under way. Try again in a few minutes.');
    let client: GitHubOAuth;
    try {
      client = clientOf(integration);
    } catch (e) {
      if (!isForgeError(e)) throw e;
      ui.deps.log.error({ integration: integration.id, err: e.message }, 'forge sign-in misconfigured');
      return sendError(ui, req, reply, 502, 'Sign-in unavailable', `Sign-in with ${forgeLabel(integration)} is not available; the details are in the server log.`);
    }
    const state = randomBytes(24).toString('base64url');
    const { verifier, challenge } = pkcePair();
    pending.set(state, { integration: integration.id, verifier, next, linkSession: link ? (req.session?.id ?? null) : null, expiresAt: now + OAUTH_STATE_TTL_MS });
    reply.header('Set-Cookie', stateCookie(state, OAUTH_STATE_TTL_MS / 1000));
    return reply.redirect(client.authorizeUrl({ redirectUri: redirectUri(integration.id), state, challenge }), 303);
  });

  app.get<{ Params: { integration: string }; Querystring: { code?: string; state?: string; error?: string } }>(
    '/login/:integration/callback',
    async (req, reply) => {
      const integration = integrationOf(req.params.integration);
      if (!integration) return sendError(ui, req, reply, 404, 'Not found', 'There is no forge sign-in with this name.');
      // The state: the query and the cookie agree, it is known, fresh, for this integration; used once.
      const cookieState = parseCookies(req.headers.cookie).get(OAUTH_STATE_COOKIE);
      const queryState = typeof req.query.state === 'string' ? req.query.state : '';
      const entry = queryState ? pending.get(queryState) : undefined;
      if (entry) pending.delete(queryState);
      reply.header('Set-Cookie', stateCookie('', 0));
      if (!cookieState || !queryState || !safeEqual(cookieState, queryState) || !entry || entry.expiresAt <= Date.now() || entry.integration !== integration.id) {
        return sendError(ui, req, reply, 400, 'Sign-in expired', 'This sign-in link is not valid any more (expired, already used or started in another browser). Start again from the sign-in page.');
      }
      if (typeof req.query.error === 'string') {
        return sendError(ui, req, reply, 403, 'Sign-in cancelled', `${forgeLabel(integration)} did not authorize the sign-in (${req.query.error.slice(0, 100)}).`);
      }
      const code = typeof req.query.code === 'string' ? req.query.code : '';
      if (!code) return sendError(ui, req, reply, 400, 'Bad request', 'The forge sent no authorization code.');

      let account;
      try {
        const client = clientOf(integration);
        const token = await client.exchange({ code, redirectUri: redirectUri(integration.id), verifier: entry.verifier });
        account = await client.user(token);
      } catch (e) {
        if (!isForgeError(e)) throw e;
        ui.deps.log.warn({ integration: integration.id, err: e.message }, 'forge sign-in failed');
        return sendError(ui, req, reply, 502, 'Sign-in failed', `${forgeLabel(integration)} did not complete the sign-in: ${e.message}`);
      }

      if (entry.linkSession !== null) return finishLink(req, reply, integration, entry, account);

      const found = findByExternalId(ui.deps.db, integration.id, account.id);
      if (!found) {
        return sendError(ui, req, reply, 403, 'No Packyard account',
          `Your ${forgeLabel(integration)} account ${account.login} is not a member of a synced organization yet; ask an admin to run a sync.`);
      }
      if (found.user.disabledAt !== null) return sendError(ui, req, reply, 403, 'Account disabled', 'Your Packyard account is disabled.');
      if (found.identity.login !== account.login) refreshIdentityLogin(ui.deps.db, found.identity.id, account.login);
      // A new session every time, as for the password login.
      const old = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
      if (old) ui.deps.sessions.destroy(old);
      const s = ui.deps.sessions.create(found.user.id);
      reply.header('Set-Cookie', [
        stateCookie('', 0),
        cookieHeader(ui, SESSION_COOKIE, s.cookie, { maxAgeSeconds: Math.floor((s.expiresAt - Date.now()) / 1000) }),
        cookieHeader(ui, LOGIN_CSRF_COOKIE, '', { maxAgeSeconds: 0, path: `${ui.base}/login` }),
      ]);
      return reply.redirect(`${ui.base}${safeNext(entry.next)}`, 303);
    },
  );

  function finishLink(req: FastifyRequest, reply: FastifyReply, integration: OAuthIntegration, entry: Pending, account: { id: string; login: string }): FastifyReply {
    const s = req.session;
    if (!s || s.id !== entry.linkSession) {
      return sendError(ui, req, reply, 400, 'Sign-in expired', 'The account link was started in another session. Sign in and start again from your profile.');
    }
    const result = linkIdentity(ui.deps.db, s.userId, integration.id, account.id, account.login, s.login);
    if (result === 'taken') {
      return sendError(ui, req, reply, 409, 'Account already linked', `The ${forgeLabel(integration)} account ${account.login} belongs to another Packyard user.`);
    }
    if (result === 'integration-taken') {
      return sendError(ui, req, reply, 409, 'Already connected', `Your Packyard account is already connected to another ${forgeLabel(integration)} account.`);
    }
    return reply.redirect(`${ui.base}/-/profile`, 303);
  }

  app.get('/-/profile', (req, reply) => {
    if (!requireUser(ui, req, reply)) return reply;
    const s = req.session!;
    const linked = identitiesOf(ui.deps.db, s.userId);
    const available = oauthIntegrations(ui)
      .filter((i) => !linked.some((l) => l.integration === i.id))
      .map((i) => ({ id: i.id, label: forgeLabel(i) }));
    return sendHtml(reply, profilePage(viewContext(ui, req), { login: s.login, identities: linked, available }));
  });
}
