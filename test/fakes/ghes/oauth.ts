// GitHub's OAuth web flow on the fake, on the kit's flow (kit/oauth.ts): GET
// /login/oauth/authorize auto-approves for the user a test chose (state.oauthAs(login), or ?login=
// in the URL; state.oauthDeny() answers error=access_denied) and redirects to redirect_uri with
// code and state; POST /login/oauth/access_token (form or JSON) checks client_id/secret, the code
// (single use, 10 minutes, same client and redirect_uri) and the PKCE verifier, and answers, like
// GitHub, with HTTP 200 either {access_token, token_type, scope} or {error, error_description,
// error_uri}. The token works on /api/v3 like a classic token with the granted scopes.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readParams } from '../kit/http.js';
import type { RedeemError } from '../kit/oauth.js';
import type { GhesState } from './state.js';

export const OAUTH_PATHS = new Set(['/login/oauth/authorize', '/login/oauth/access_token']);

/** A record of every token request (tests check what the client sent). */
export interface OAuthTokenRequest {
  params: Record<string, string>;
  accept: string;
  error: string | null;
}

const ERROR_OF: Record<RedeemError, string> = {
  bad_client: 'incorrect_client_credentials',
  bad_code: 'bad_verification_code',
  redirect_mismatch: 'redirect_uri_mismatch',
  bad_verifier: 'invalid_grant',
};

const ERR_DOCS: Record<string, string> = {
  incorrect_client_credentials: 'The client_id and/or client_secret passed are incorrect.',
  redirect_uri_mismatch: 'The redirect_uri MUST match the registered callback URL for this application.',
  bad_verification_code: 'The code passed is incorrect or expired.',
  invalid_grant: 'The code_verifier does not match the code_challenge.',
};

export async function serveOAuth(state: GhesState, tokenLog: OAuthTokenRequest[], req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (url.pathname === '/login/oauth/authorize' && method === 'GET') {
    req.resume();
    const q = url.searchParams;
    const login = q.get('login');
    const back = state.oauth.authorize(q, login === null ? null : state.user(login).id, {
      error: 'access_denied',
      description: 'The user has denied your application access.',
    });
    if (back === null) {
      const known = state.oauth.apps.has(q.get('client_id') ?? '');
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(known ? 'redirect_uri mismatch\n' : 'unknown client_id\n');
      return;
    }
    res.writeHead(302, { Location: back.toString() });
    res.end();
    return;
  }
  if (url.pathname === '/login/oauth/access_token' && method === 'POST') {
    const params = await readParams(req, url);
    const accept = String(req.headers.accept ?? '');
    const answer = (body: Record<string, string>): void => {
      tokenLog.push({ params, accept, error: body['error'] ?? null });
      if (accept.includes('application/json')) {
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' });
        res.end(new URLSearchParams(body).toString());
      }
    };
    const fail = (error: string): void =>
      answer({ error, error_description: ERR_DOCS[error] ?? error, error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' });
    const r = state.oauth.redeem(params);
    if (!r.ok) return fail(ERROR_OF[r.error]);
    const user = state.users.get(r.grant.userId);
    if (user === undefined) return fail('bad_verification_code');
    const token = `gho_${randomBytes(18).toString('hex')}`;
    state.addToken(token, user.login, { scopes: r.grant.scopes });
    return answer({ access_token: token, token_type: 'bearer', scope: r.grant.scopes.join(',') });
  }
  req.resume();
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found\n');
}
