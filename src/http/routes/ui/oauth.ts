// Sign-in with the forge (OAuth 2 authorization code, any forge whose Forge has the `oauth`
// capability) and linking a forge account to the signed-in user, on @fastify/oauth2: one plugin
// instance per such integration (PKCE S256 where the forge takes it; the state and the verifier
// in HttpOnly SameSite=Lax cookies set through @fastify/cookie). GET /login/ID starts: our
// generateStateFunction makes a signed state (oauth-state.ts) carrying what the plugin does not
// (the integration, `next`, a tag of the "link another account" session; 10 minutes), so an
// unauthenticated start keeps nothing server-side. GET /login/ID/callback checks the state
// (query = cookie, signed, fresh, this integration, not used before) before anything else, then
// lets the plugin exchange the code (its checkStateFunction only accepts a request that passed
// that check), asks the forge for the account (ForgeOAuth.currentUser) and finds the Packyard
// user by the identity (integration, the forge's stable id). Unknown forge accounts are refused,
// never created: users come from sync. The forge token is used for currentUser only. Which
// integrations offer sign-in and how they are labelled: oauth-client.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import fastifyOAuth2, { type FastifyOAuth2Options, type OAuth2Namespace } from '@fastify/oauth2';
import { isForgeError, type ForgeUser } from '../../../forges/types.js';
import { findByExternalId, identitiesOf, linkIdentity, refreshIdentityLogin } from '../../../services/identities.js';
import { profilePage } from '../../../../views/profile.js';
import { linkTag, OAuthStates, type StateIntent } from './oauth-state.js';
import { accessTokenOf, exchangeFailed, oauth2Credentials, signInIntegrations, type SignInIntegration, type SignInSet } from './oauth-client.js';
import { cookieHeader, LOGIN_CSRF_COOKIE, parseCookies, requireUser, safeEqual, safeNext, sendError, sendHtml, SESSION_COOKIE, viewContext, type Ui } from './support.js';

export const OAUTH_STATE_COOKIE = 'packyard_oauth_state';
export const OAUTH_VERIFIER_COOKIE = 'packyard_oauth_verifier';
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;
/** A longer `next` would make the state (and its cookie) too long: such a sign-in lands on / . */
const MAX_NEXT = 1000;

type Intent = Omit<StateIntent, 'integration'>;

const signInSets = new WeakMap<Ui, SignInSet>();

/** The integrations a user may sign in with (their forge has the `oauth` capability), found once per UI. */
export function oauthIntegrations(ui: Ui): SignInIntegration[] {
  return signInSet(ui).usable;
}

function signInSet(ui: Ui): SignInSet {
  let set = signInSets.get(ui);
  if (!set) {
    set = signInIntegrations(ui.deps.forges, ui.deps.log);
    signInSets.set(ui, set);
  }
  return set;
}

/** The @fastify/oauth2 instance name (its decorator) of an integration; ids are [a-z0-9-]. */
export function oauthPluginName(integrationId: string): string {
  return `oauth2Forge_${integrationId.replaceAll('-', '_')}`;
}

export function oauthRoutes(app: FastifyInstance, ui: Ui): void {
  const states = new OAuthStates(OAUTH_STATE_TTL_MS);
  /** What GET /login/ID hands to generateStateFunction for this request. */
  const intents = new WeakMap<FastifyRequest, Intent>();
  /** Callback requests whose state passed takeState, with the intent it carried. */
  const checked = new WeakMap<FastifyRequest, StateIntent>();

  const cookieOpts: CookieSerializeOptions = {
    path: `${ui.base}/login`,
    maxAge: OAUTH_STATE_TTL_MS / 1000,
    httpOnly: true,
    sameSite: 'lax',
    secure: ui.secureCookies,
  };
  const clearFlowCookies = (reply: FastifyReply): void => {
    reply.clearCookie(OAUTH_STATE_COOKIE, cookieOpts);
    reply.clearCookie(OAUTH_VERIFIER_COOKIE, cookieOpts);
  };

  // One @fastify/oauth2 per integration (the UI scope registers @fastify/cookie first). An
  // integration whose forge cannot be built (say, its ca_file cannot be read) gets none: its
  // sign-in answers "unavailable" (the reason was logged when the forges were listed).
  const set = signInSet(ui);
  for (const integration of set.usable) {
    const o = integration.oauth;
    const options: FastifyOAuth2Options = {
      name: oauthPluginName(integration.id),
      credentials: oauth2Credentials(o),
      scope: o.scopes,
      callbackUri: `${ui.publicUrl}/login/${integration.id}/callback`,
      callbackUriParams: o.authorizeParams ?? {},
      ...(o.pkce ? { pkce: 'S256' as const } : {}),
      redirectStateCookieName: OAUTH_STATE_COOKIE,
      verifierCookieName: OAUTH_VERIFIER_COOKIE,
      cookie: cookieOpts,
      userAgent: 'packyard',
      generateStateFunction: ((req: FastifyRequest): string => {
        const intent = intents.get(req);
        if (!intent) throw new Error('a forge sign-in starts at GET /login/ID');
        return states.issue({ ...intent, integration: integration.id });
      }) as FastifyOAuth2Options['generateStateFunction'],
      checkStateFunction: ((req: FastifyRequest): boolean => checked.get(req)?.integration === integration.id) as FastifyOAuth2Options['checkStateFunction'],
    };
    app.register(fastifyOAuth2, options);
  }

  const integrationOf = (id: string): SignInIntegration | null => set.usable.find((i) => i.id === id) ?? null;
  const pluginOf = (id: string): OAuth2Namespace | undefined => (app as unknown as Record<string, OAuth2Namespace | undefined>)[oauthPluginName(id)];
  const unavailable = (req: FastifyRequest, reply: FastifyReply, label: string) =>
    sendError(ui, req, reply, 502, 'Sign-in unavailable', `Sign-in with ${label} is not available; the details are in the server log.`);
  /** An unknown integration answers 404; one whose forge cannot be built, "unavailable". */
  const missing = (req: FastifyRequest, reply: FastifyReply, id: string) =>
    set.broken.has(id) ? unavailable(req, reply, id) : sendError(ui, req, reply, 404, 'Not found', 'There is no forge sign-in with this name.');

  /** The state: the query and the cookie agree, it is signed by us, fresh, for this integration; used once. */
  function takeState(req: FastifyRequest<{ Querystring: { state?: string } }>, integrationId: string): StateIntent | null {
    const cookieState = req.cookies[OAUTH_STATE_COOKIE];
    const queryState = typeof req.query.state === 'string' ? req.query.state : '';
    if (!cookieState || !queryState || !safeEqual(cookieState, queryState)) return null;
    const entry = states.take(queryState, integrationId);
    if (entry) checked.set(req, entry);
    return entry;
  }

  app.get<{ Params: { integration: string }; Querystring: { next?: string; link?: string } }>('/login/:integration', async (req, reply) => {
    const integration = integrationOf(req.params.integration);
    if (!integration) return missing(req, reply, req.params.integration);
    const link = req.query.link === '1';
    const next = link ? '/-/profile' : safeNext(req.query.next);
    if (link && !requireUser(ui, req, reply)) return reply;
    if (!link && req.session) return reply.redirect(`${ui.base}${next}`, 303);

    const oauth = pluginOf(integration.id);
    if (!oauth) return unavailable(req, reply, integration.label);
    intents.set(req, { next: next.length > MAX_NEXT ? '/' : next, link: link && req.session ? linkTag(req.session.id) : null });
    // Sets the state and verifier cookies; the URL carries the state and the S256 challenge.
    const authorizeUrl = await oauth.generateAuthorizationUri(req, reply);
    return reply.redirect(authorizeUrl, 303);
  });

  app.get<{ Params: { integration: string }; Querystring: { code?: string; state?: string; error?: string } }>(
    '/login/:integration/callback',
    async (req, reply) => {
      const integration = integrationOf(req.params.integration);
      if (!integration) return missing(req, reply, req.params.integration);
      clearFlowCookies(reply);
      const entry = takeState(req, integration.id);
      if (!entry) {
        return sendError(ui, req, reply, 400, 'Sign-in expired', 'This sign-in link is not valid any more (expired, already used or started in another browser). Start again from the sign-in page.');
      }
      if (typeof req.query.error === 'string') {
        return sendError(ui, req, reply, 403, 'Sign-in cancelled', `${integration.label} did not authorize the sign-in (${req.query.error.slice(0, 100)}).`);
      }
      const code = typeof req.query.code === 'string' ? req.query.code : '';
      if (!code) return sendError(ui, req, reply, 400, 'Bad request', 'The forge sent no authorization code.');
      if (entry.link !== null && (!req.session || linkTag(req.session.id) !== entry.link)) {
        return sendError(ui, req, reply, 400, 'Sign-in expired', 'The account link was started in another session. Sign in and start again from your profile.');
      }
      const oauth = pluginOf(integration.id);
      if (!oauth) return unavailable(req, reply, integration.label);

      let account: ForgeUser;
      try {
        let answer: Record<string, unknown> | undefined;
        try {
          // The plugin checks the state (checkStateFunction), sends the verifier from its cookie, clears both cookies.
          answer = (await oauth.getAccessTokenFromAuthorizationCodeFlow(req, reply)).token as unknown as Record<string, unknown>;
        } catch (e) {
          throw exchangeFailed(integration.id, integration.oauth, e);
        }
        account = await integration.oauth.currentUser(accessTokenOf(integration.id, answer));
      } catch (e) {
        if (!isForgeError(e)) throw e;
        ui.deps.log.warn({ integration: integration.id, err: e.message }, 'forge sign-in failed');
        return sendError(ui, req, reply, 502, 'Sign-in failed', `${integration.label} did not complete the sign-in: ${e.message}`);
      }

      if (entry.link !== null) return finishLink(req, reply, integration, account);

      const found = findByExternalId(ui.deps.db, integration.id, account.id);
      if (!found) {
        return sendError(ui, req, reply, 403, 'No Packyard account',
          `Your ${integration.label} account ${account.login} is not a member of a synced organization yet; ask an admin to run a sync.`);
      }
      if (found.user.disabledAt !== null) return sendError(ui, req, reply, 403, 'Account disabled', 'Your Packyard account is disabled.');
      if (found.identity.login !== account.login) refreshIdentityLogin(ui.deps.db, found.identity.id, account.login);
      // A new session every time, as for the password login.
      const old = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
      if (old) ui.deps.sessions.destroy(old);
      const s = ui.deps.sessions.create(found.user.id);
      reply.header('Set-Cookie', [
        cookieHeader(ui, SESSION_COOKIE, s.cookie, { maxAgeSeconds: Math.floor((s.expiresAt - Date.now()) / 1000) }),
        cookieHeader(ui, LOGIN_CSRF_COOKIE, '', { maxAgeSeconds: 0, path: `${ui.base}/login` }),
      ]);
      return reply.redirect(`${ui.base}${safeNext(entry.next)}`, 303);
    },
  );

  /** Link mode (the session was checked before the code exchange). */
  function finishLink(req: FastifyRequest, reply: FastifyReply, integration: SignInIntegration, account: ForgeUser): FastifyReply {
    const s = req.session;
    if (!s) return sendError(ui, req, reply, 400, 'Sign-in expired', 'The account link was started in another session. Sign in and start again from your profile.');
    const result = linkIdentity(ui.deps.db, s.userId, integration.id, account.id, account.login, s.login);
    if (result === 'taken') {
      return sendError(ui, req, reply, 409, 'Account already linked', `The ${integration.label} account ${account.login} belongs to another Packyard user.`);
    }
    if (result === 'integration-taken') {
      return sendError(ui, req, reply, 409, 'Already connected', `Your Packyard account is already connected to another ${integration.label} account.`);
    }
    return reply.redirect(`${ui.base}/-/profile`, 303);
  }

  app.get('/-/profile', (req, reply) => {
    if (!requireUser(ui, req, reply)) return reply;
    const s = req.session!;
    const linked = identitiesOf(ui.deps.db, s.userId);
    const available = set.usable
      .filter((i) => !linked.some((l) => l.integration === i.id))
      .map((i) => ({ id: i.id, label: i.label }));
    return sendHtml(reply, profilePage(viewContext(ui, req), { login: s.login, identities: linked, available }));
  });
}
