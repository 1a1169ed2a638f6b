// Bitbucket Cloud's OAuth 2 on the fake, on the kit's flow (kit/oauth.ts): workspace consumers
// (key, secret, callback URL), GET WEB/site/oauth2/authorize (response_type=code; auto-approves as
// the user a test chose, `oauth.approveAs` or ?login=) redirecting with code and state, and POST
// WEB/site/oauth2/access_token with the consumer's key and secret as HTTP Basic (or in the form):
// grant_type=authorization_code (a token of the user), client_credentials (a token of the
// consumer's workspace), refresh_token. Answers {access_token, scopes, expires_in: 7200,
// refresh_token, token_type: "bearer", state}; errors {error, error_description}.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readParams } from '../kit/http.js';
import { OAuthFlow, safeEqual } from '../kit/oauth.js';
import type { BitbucketCloudState } from './state.js';

export const ACCESS_TOKEN_SECONDS = 7200;

export class BitbucketCloudOAuth extends OAuthFlow {
  readonly refreshTokens = new Map<string, { userId: number | null; clientId: string; scopes: string[] }>();
  readonly tokenRequests: Array<{ grant: string; status: number; error: string | null }> = [];
  /** Scopes a consumer was given (what its tokens carry). */
  readonly consumerScopes = new Map<string, string[]>();

  constructor(private readonly state: BitbucketCloudState) {
    super();
  }

  /** A workspace's OAuth consumer (private: with a secret). */
  addConsumer(ws: string, key: string, secret: string, callbackUrl?: string, scopes: string[] = ['account', 'repository', 'webhook', 'project', 'team']): void {
    this.addApp(key, secret, callbackUrl, true);
    this.state.consumers.set(key, this.state.workspace(ws).id);
    this.consumerScopes.set(key, scopes);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** client_id/client_secret from HTTP Basic (Bitbucket's documented way) or the form. */
function clientOf(req: IncomingMessage, params: Record<string, string>): Record<string, string> {
  const m = /^basic\s+(\S+)$/i.exec((req.headers.authorization ?? '').trim());
  if (m === null) return params;
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return params;
  return { ...params, client_id: decoded.slice(0, colon), client_secret: decoded.slice(colon + 1) };
}

/** Answers WEB/site/oauth2/{authorize,access_token}; false when `path` is neither. */
export async function serveOAuth(state: BitbucketCloudState, oauth: BitbucketCloudOAuth, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (url.pathname === '/site/oauth2/authorize' && method === 'GET') {
    req.resume();
    const q = url.searchParams;
    const login = q.get('login');
    const back = oauth.authorize(q, login === null ? null : state.user(login).id, { error: 'access_denied', description: 'The user denied the request.' });
    if (back === null || q.get('response_type') !== 'code') {
      res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<h1>Invalid OAuth request</h1>\n');
      return true;
    }
    res.writeHead(302, { Location: back.toString() });
    res.end();
    return true;
  }
  if (url.pathname !== '/site/oauth2/access_token' || method !== 'POST') return false;
  const params = clientOf(req, await readParams(req, url));
  const grant = params['grant_type'] ?? '';
  const fail = (status: number, error: string, description: string): void => {
    oauth.tokenRequests.push({ grant, status, error });
    json(res, status, { error, error_description: description });
  };
  const issue = (userId: number | null, clientId: string, scopes: string[]): void => {
    const access = randomBytes(32).toString('base64url');
    const refresh = randomBytes(16).toString('base64url');
    const expiresAt = Date.now() + ACCESS_TOKEN_SECONDS * 1000;
    state.accessTokens.set(access, { value: access, userId, consumer: userId === null ? { clientId, workspaceId: state.consumerWorkspace(clientId) } : null, scopes, expiresAt });
    oauth.refreshTokens.set(refresh, { userId, clientId, scopes });
    oauth.tokenRequests.push({ grant, status: 200, error: null });
    json(res, 200, { access_token: access, scopes: scopes.join(' '), expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refresh, token_type: 'bearer', state: grant });
  };
  const app = oauth.apps.get(params['client_id'] ?? '');
  const clientOk = app !== undefined && safeEqual(app.clientSecret, params['client_secret'] ?? '');
  if (grant === 'authorization_code') {
    const r = oauth.redeem(params);
    if (!r.ok && r.error === 'bad_client') fail(400, 'invalid_client', 'Invalid client_id or client_secret');
    else if (!r.ok) fail(400, 'invalid_grant', 'The specified code is not valid.');
    else issue(r.grant.userId, r.grant.clientId, oauth.consumerScopes.get(r.grant.clientId) ?? []);
    return true;
  }
  if (grant === 'client_credentials') {
    if (!clientOk || app === undefined) fail(400, 'invalid_client', 'Invalid client_id or client_secret');
    else issue(null, app.clientId, oauth.consumerScopes.get(app.clientId) ?? []);
    return true;
  }
  if (grant === 'refresh_token') {
    const rt = oauth.refreshTokens.get(params['refresh_token'] ?? '');
    if (!clientOk || app === undefined) fail(400, 'invalid_client', 'Invalid client_id or client_secret');
    else if (rt === undefined || rt.clientId !== app.clientId) fail(400, 'invalid_grant', 'Invalid refresh_token');
    else issue(rt.userId, rt.clientId, rt.scopes);
    return true;
  }
  fail(400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`);
  return true;
}
