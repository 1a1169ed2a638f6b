// Bitbucket Data Center's OAuth 2 provider (incoming application links, 7.20+) on the fake, on the
// kit's flow (kit/oauth.ts): GET CONTEXT/rest/oauth2/latest/authorize (response_type=code, PKCE
// S256) auto-approves as the user a test chose (`oauth.approveAs`, or ?login=) and redirects with
// code and state; POST CONTEXT/rest/oauth2/latest/token takes grant_type=authorization_code (client
// credentials, code, redirect_uri, code_verifier; form body or query string) or refresh_token and
// answers {access_token, refresh_token, expires_in, token_type, scope}. Tokens carry the granted
// scopes (PUBLIC_REPOS, REPO_READ, …), which cap what the user may do (state.ts capOf).

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readParams } from '../kit/http.js';
import { OAuthFlow, safeEqual } from '../kit/oauth.js';
import type { BitbucketState } from './state.js';

export const ACCESS_TOKEN_SECONDS = 3600;

export class BitbucketOAuth extends OAuthFlow {
  readonly refreshTokens = new Map<string, { userId: number; scopes: string[]; clientId: string }>();
  readonly tokenRequests: Array<{ params: Record<string, string>; status: number; error: string | null }> = [];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Answers CONTEXT/rest/oauth2/latest/{authorize,token}; false when `rel` is neither. */
export async function serveOAuth(state: BitbucketState, oauth: BitbucketOAuth, req: IncomingMessage, res: ServerResponse, url: URL, rel: string): Promise<boolean> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (rel === '/rest/oauth2/latest/authorize' && method === 'GET') {
    req.resume();
    const q = url.searchParams;
    const login = q.get('login');
    const back = oauth.authorize(q, login === null ? null : state.user(login).id, { error: 'access_denied', description: 'The user denied the request' });
    if (back === null || q.get('response_type') !== 'code') {
      res.writeHead(400, { 'Content-Type': 'text/html;charset=UTF-8' });
      res.end('<h1>Invalid OAuth 2 request</h1>\n');
      return true;
    }
    res.writeHead(302, { Location: back.toString() });
    res.end();
    return true;
  }
  if (rel === '/rest/oauth2/latest/token' && method === 'POST') {
    const params = await readParams(req, url);
    const fail = (status: number, error: string, description: string): void => {
      oauth.tokenRequests.push({ params, status, error });
      json(res, status, { error, error_description: description });
    };
    const issue = (userId: number, scopes: string[], clientId: string): void => {
      const user = state.users.get(userId);
      if (user === undefined || !user.active) return fail(400, 'invalid_grant', 'The user is not active');
      const access = randomBytes(32).toString('hex');
      const refresh = randomBytes(32).toString('hex');
      state.addToken(access, user.name, { scopes, expiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000 });
      oauth.refreshTokens.set(refresh, { userId, scopes, clientId });
      oauth.tokenRequests.push({ params, status: 200, error: null });
      json(res, 200, { access_token: access, refresh_token: refresh, expires_in: ACCESS_TOKEN_SECONDS, token_type: 'bearer', scope: scopes.join(' ') });
    };
    const grant = params['grant_type'];
    if (grant === 'authorization_code') {
      const r = oauth.redeem(params);
      if (!r.ok && r.error === 'bad_client') fail(401, 'invalid_client', 'Client authentication failed');
      else if (!r.ok) fail(400, 'invalid_grant', 'Invalid authorization code');
      else issue(r.grant.userId, r.grant.scopes.length > 0 ? r.grant.scopes : ['PUBLIC_REPOS'], r.grant.clientId);
      return true;
    }
    if (grant === 'refresh_token') {
      const app = oauth.apps.get(params['client_id'] ?? '');
      const rt = oauth.refreshTokens.get(params['refresh_token'] ?? '');
      if (app === undefined || !safeEqual(app.clientSecret, params['client_secret'] ?? '')) fail(401, 'invalid_client', 'Client authentication failed');
      else if (rt === undefined || rt.clientId !== app.clientId) fail(400, 'invalid_grant', 'Invalid refresh token');
      else {
        oauth.refreshTokens.delete(params['refresh_token'] ?? '');
        issue(rt.userId, rt.scopes, rt.clientId);
      }
      return true;
    }
    fail(400, 'unsupported_grant_type', 'Only authorization_code and refresh_token are supported');
    return true;
  }
  return false;
}
