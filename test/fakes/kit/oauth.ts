// The OAuth authorization-code flow with PKCE that every forge fake shares: registered apps, the
// authorize step (auto-approves as the user a test chose, or denies), single-use codes valid 10
// minutes bound to client and redirect_uri, and S256/plain verifier checks. Each forge supplies its
// paths, token format and error bodies (see ghes/oauth.ts, gitlab/oauth.ts).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  callbackUrl?: string | undefined;
  /** false: a public client (no secret) that must use PKCE. */
  confidential: boolean;
}

export interface OAuthGrant {
  clientId: string;
  userId: number;
  redirectUri: string;
  scopes: string[];
  challenge: string | null;
  challengeMethod: string | null;
  expiresAt: number;
}

/** Why a code could not be redeemed. */
export type RedeemError = 'bad_client' | 'bad_code' | 'redirect_mismatch' | 'bad_verifier';

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** RFC 7636: S256 is base64url(sha256(verifier)); plain compares the verifier itself. */
export function pkceMatches(challenge: string, method: string | null, verifier: string): boolean {
  if (verifier === '') return false;
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return safeEqual(computed, challenge);
}

export class OAuthFlow {
  readonly apps = new Map<string, OAuthApp>();
  readonly codes = new Map<string, OAuthGrant>();
  /** The user the authorize step approves as (null: nobody chosen, answers access_denied). */
  approveAs: number | null = null;
  denied = false;

  addApp(clientId: string, clientSecret: string, callbackUrl?: string, confidential = true): OAuthApp {
    const app = { clientId, clientSecret, callbackUrl, confidential };
    this.apps.set(clientId, app);
    return app;
  }

  /**
   * The authorize step: null when the client or redirect_uri is unknown (the forge answers with
   * its own error page); otherwise the URL to redirect to, carrying code or error, and state.
   */
  authorize(q: URLSearchParams, userId: number | null, denial: { error: string; description: string }): URL | null {
    const app = this.apps.get(q.get('client_id') ?? '');
    const redirect = q.get('redirect_uri') ?? app?.callbackUrl ?? '';
    if (app === undefined || redirect === '' || (app.callbackUrl !== undefined && !redirect.startsWith(app.callbackUrl))) return null;
    const back = new URL(redirect);
    const st = q.get('state');
    if (st !== null) back.searchParams.set('state', st);
    const who = userId ?? this.approveAs;
    if (this.denied || who === null) {
      back.searchParams.set('error', denial.error);
      back.searchParams.set('error_description', denial.description);
    } else {
      const code = randomBytes(16).toString('hex');
      this.codes.set(code, {
        clientId: app.clientId,
        userId: who,
        redirectUri: redirect,
        scopes: (q.get('scope') ?? '').split(/[ ,+]+/).filter(Boolean),
        challenge: q.get('code_challenge'),
        challengeMethod: q.get('code_challenge_method'),
        expiresAt: Date.now() + 10 * 60 * 1000,
      });
      back.searchParams.set('code', code);
    }
    return back;
  }

  /** Checks client credentials, then redeems the code (single use) and its PKCE verifier. */
  redeem(params: Record<string, string>): { ok: true; grant: OAuthGrant } | { ok: false; error: RedeemError } {
    const app = this.apps.get(params['client_id'] ?? '');
    if (app === undefined) return { ok: false, error: 'bad_client' };
    if (app.confidential || params['client_secret'] !== undefined) {
      if (!safeEqual(app.clientSecret, params['client_secret'] ?? '')) return { ok: false, error: 'bad_client' };
    }
    const code = this.codes.get(params['code'] ?? '');
    if (code !== undefined) this.codes.delete(params['code'] ?? '');
    if (code === undefined || code.expiresAt <= Date.now() || code.clientId !== app.clientId) return { ok: false, error: 'bad_code' };
    if (params['redirect_uri'] !== undefined && params['redirect_uri'] !== code.redirectUri) return { ok: false, error: 'redirect_mismatch' };
    if (!app.confidential && code.challenge === null) return { ok: false, error: 'bad_verifier' };
    if (code.challenge !== null && !pkceMatches(code.challenge, code.challengeMethod, params['code_verifier'] ?? '')) return { ok: false, error: 'bad_verifier' };
    return { ok: true, grant: code };
  }
}
