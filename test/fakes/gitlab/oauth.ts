// GitLab's OAuth 2 provider (Doorkeeper) on the fake, on the kit's flow (kit/oauth.ts):
// GET ROOT/oauth/authorize (response_type=code, PKCE S256) auto-approves as the user a test chose
// (state.oauthAs(name), or ?login=; state.oauthDeny() answers access_denied) and redirects with code
// and state; POST ROOT/oauth/token takes grant_type=authorization_code (client credentials, code,
// redirect_uri, code_verifier) or refresh_token, and answers JSON {access_token, token_type:
// "Bearer", expires_in: 7200, refresh_token, scope, created_at}, or Doorkeeper's errors (400
// invalid_grant / invalid_request / unsupported_grant_type, 401 invalid_client).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readParams } from '../kit/http.js';
import { safeEqual } from '../kit/oauth.js';
import type { GitLabState } from './state.js';

export interface OAuthTokenRequest {
  params: Record<string, string>;
  status: number;
  error: string | null;
}

const ERRORS: Record<string, [number, string]> = {
  invalid_client: [401, 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.'],
  invalid_grant: [
    400,
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  ],
  invalid_request: [400, 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.'],
  unsupported_grant_type: [400, 'The authorization grant type is not supported by the authorization server.'],
};

export const ACCESS_TOKEN_SECONDS = 7200;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  res.end(JSON.stringify(body));
}

export async function serveOAuth(state: GitLabState, log: OAuthTokenRequest[], req: IncomingMessage, res: ServerResponse, url: URL, rel: string): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (rel === '/oauth/authorize' && method === 'GET') {
    req.resume();
    const q = url.searchParams;
    const login = q.get('login');
    const back = state.oauth.authorize(q, login === null ? null : state.user(login).id, {
      error: 'access_denied',
      description: 'The resource owner or authorization server denied the request.',
    });
    if (back === null) {
      res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<h1>An error has occurred</h1><p>${ERRORS['invalid_client']?.[1] ?? ''}</p>\n`);
      return;
    }
    if (q.get('response_type') !== 'code' && back.searchParams.has('code')) {
      const code = back.searchParams.get('code') ?? '';
      state.oauth.codes.delete(code);
      back.searchParams.delete('code');
      back.searchParams.set('error', 'unsupported_response_type');
      back.searchParams.set('error_description', 'The authorization server does not support this response type.');
    }
    res.writeHead(302, { Location: back.toString() });
    res.end();
    return;
  }
  if (rel === '/oauth/token' && method === 'POST') {
    const params = await readParams(req, url);
    const fail = (error: string): void => {
      const [status, description] = ERRORS[error] ?? [400, error];
      log.push({ params, status, error });
      json(res, status, { error, error_description: description });
    };
    const issue = (userId: number, scopes: string[], clientId: string): void => {
      const user = state.users.get(userId);
      if (user === undefined) return fail('invalid_grant');
      const access = randomBytes(32).toString('hex');
      const refresh = randomBytes(32).toString('hex');
      state.addToken(access, user.username, { scopes, kind: 'oauth', expiresAt: new Date(Date.now() + ACCESS_TOKEN_SECONDS * 1000).toISOString() });
      state.refreshTokens.set(refresh, { userId, scopes, clientId });
      log.push({ params, status: 200, error: null });
      json(res, 200, { access_token: access, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refresh, scope: scopes.join(' '), created_at: Math.floor(Date.now() / 1000) });
    };
    const grant = params['grant_type'];
    if (grant === 'authorization_code') {
      if (params['code'] === undefined) return fail('invalid_request');
      const r = state.oauth.redeem(params);
      if (!r.ok) return fail(r.error === 'bad_client' ? 'invalid_client' : 'invalid_grant');
      return issue(r.grant.userId, r.grant.scopes.length > 0 ? r.grant.scopes : ['api'], r.grant.clientId);
    }
    if (grant === 'refresh_token') {
      const app = state.oauth.apps.get(params['client_id'] ?? '');
      if (app === undefined || !safeEqual(app.clientSecret, params['client_secret'] ?? '')) return fail('invalid_client');
      const rt = state.refreshTokens.get(params['refresh_token'] ?? '');
      if (rt === undefined || rt.clientId !== app.clientId) return fail('invalid_grant');
      state.refreshTokens.delete(params['refresh_token'] ?? '');
      return issue(rt.userId, rt.scopes, rt.clientId);
    }
    return fail(grant === undefined ? 'invalid_request' : 'unsupported_grant_type');
  }
  req.resume();
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found\n');
}
