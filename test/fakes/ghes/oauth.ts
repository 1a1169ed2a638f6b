// GitHub's OAuth web flow on the fake: GET /login/oauth/authorize auto-approves for the user a
// test chose (state.oauthAs(login), or ?login= in the URL; state.oauthDeny() answers
// error=access_denied) and redirects to redirect_uri with code and state; POST
// /login/oauth/access_token (form or JSON) checks client_id/secret, the code (single use, 10
// minutes, same client and redirect_uri) and the PKCE verifier, and answers, like GitHub, with
// HTTP 200 either {access_token, token_type, scope} or {error, error_description, error_uri}.
// The token works on /api/v3 like a classic token with the granted scopes.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GhesState } from './state.js';

export const OAUTH_PATHS = new Set(['/login/oauth/authorize', '/login/oauth/access_token']);

export interface OAuthCode {
  clientId: string;
  userId: number;
  redirectUri: string;
  scopes: string[];
  challenge: string | null;
  challengeMethod: string | null;
  expiresAt: number;
}

/** A record of every token request (tests check what the client sent). */
export interface OAuthTokenRequest {
  params: Record<string, string>;
  accept: string;
  error: string | null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

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
    const app = state.oauthApps.get(q.get('client_id') ?? '');
    const redirect = q.get('redirect_uri') ?? app?.callbackUrl ?? '';
    if (app === undefined || redirect === '' || (app.callbackUrl !== undefined && !redirect.startsWith(app.callbackUrl))) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(app === undefined ? 'unknown client_id\n' : 'redirect_uri mismatch\n');
      return;
    }
    const back = new URL(redirect);
    const st = q.get('state');
    if (st !== null) back.searchParams.set('state', st);
    const login = q.get('login') ?? state.oauthUser;
    if (state.oauthDenied || login === null) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
    } else {
      const user = state.user(login);
      const code = randomBytes(10).toString('hex');
      state.oauthCodes.set(code, {
        clientId: app.clientId,
        userId: user.id,
        redirectUri: redirect,
        scopes: (q.get('scope') ?? '').split(/[ ,]+/).filter(Boolean),
        challenge: q.get('code_challenge'),
        challengeMethod: q.get('code_challenge_method'),
        expiresAt: Date.now() + 10 * 60 * 1000,
      });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { Location: back.toString() });
    res.end();
    return;
  }
  if (url.pathname === '/login/oauth/access_token' && method === 'POST') {
    const raw = await readBody(req);
    const type = String(req.headers['content-type'] ?? '');
    let params: Record<string, string> = {};
    if (type.includes('json')) {
      try {
        params = Object.fromEntries(Object.entries(JSON.parse(raw) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      } catch {
        params = {};
      }
    } else params = Object.fromEntries(new URLSearchParams(raw));
    for (const [k, v] of url.searchParams) params[k] ??= v;
    const accept = String(req.headers.accept ?? '');
    const answer = (body: Record<string, string>): void => {
      tokenLog.push({ params, accept, error: body.error ?? null });
      if (accept.includes('application/json')) {
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' });
        res.end(new URLSearchParams(body).toString());
      }
    };
    const fail = (error: string) =>
      answer({ error, error_description: ERR_DOCS[error] ?? error, error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' });
    const app = state.oauthApps.get(params.client_id ?? '');
    if (app === undefined || app.clientSecret !== params.client_secret) return fail('incorrect_client_credentials');
    const code = state.oauthCodes.get(params.code ?? '');
    if (code !== undefined) state.oauthCodes.delete(params.code ?? '');
    if (code === undefined || code.expiresAt <= Date.now() || code.clientId !== app.clientId) return fail('bad_verification_code');
    if (params.redirect_uri !== undefined && params.redirect_uri !== code.redirectUri) return fail('redirect_uri_mismatch');
    if (code.challenge !== null) {
      const v = params.code_verifier ?? '';
      const computed = code.challengeMethod === 'S256' ? createHash('sha256').update(v).digest('base64url') : v;
      if (v === '' || computed !== code.challenge) return fail('invalid_grant');
    }
    const token = `gho_${randomBytes(18).toString('hex')}`;
    const user = state.users.get(code.userId);
    if (user === undefined) return fail('bad_verification_code');
    state.addToken(token, user.login, { scopes: code.scopes });
    return answer({ access_token: token, token_type: 'bearer', scope: code.scopes.join(',') });
  }
  req.resume();
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found\n');
}
