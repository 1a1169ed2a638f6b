// GitHub's OAuth web flow (authorization code + PKCE S256) for signing in to the web UI:
// the authorize URL, the code exchange (errors come back as HTTP 200 with an `error` field)
// and the signed-in account (GET /user). Requests go through ForgeHttpClient, so the
// integration's ca_file, timeouts and retries apply. The access token is used once and dropped.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IntegrationConfig } from '../../config/schema.js';
import { ForgeHttpClient } from '../http.js';
import { ForgeError } from '../types.js';
import { githubApiUrl } from './api-url.js';

export const OAUTH_SCOPES = 'read:user read:org';

export interface ForgeAccount {
  id: string;
  login: string;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export class GitHubOAuth {
  readonly webUrl: string;
  private readonly web: ForgeHttpClient;
  private readonly api: ForgeHttpClient;

  constructor(private readonly config: IntegrationConfig & { oauth: { client_id: string; client_secret: string } }) {
    this.webUrl = config.url.replace(/\/+$/, '').replace(/\/api\/v3$/, '');
    let ca: string | undefined;
    try {
      ca = config.ca_file ? readFileSync(config.ca_file, 'utf8') : undefined;
    } catch (e) {
      throw new ForgeError('invalid', `forge ${config.id}: cannot read ca_file ${config.ca_file}: ${(e as Error).message}`, { integration: config.id });
    }
    const common = { integration: config.id, etagStore: null, retries: 1, ...(ca !== undefined ? { ca } : {}) };
    this.web = new ForgeHttpClient({ ...common, baseUrl: this.webUrl, headers: { accept: 'application/json' } });
    this.api = new ForgeHttpClient({
      ...common,
      baseUrl: githubApiUrl(config.url, config.api_url),
      headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    });
  }

  authorizeUrl(opts: { redirectUri: string; state: string; challenge: string }): string {
    const u = new URL(`${this.webUrl}/login/oauth/authorize`);
    u.searchParams.set('client_id', this.config.oauth.client_id);
    u.searchParams.set('redirect_uri', opts.redirectUri);
    u.searchParams.set('scope', OAUTH_SCOPES);
    u.searchParams.set('state', opts.state);
    u.searchParams.set('code_challenge', opts.challenge);
    u.searchParams.set('code_challenge_method', 'S256');
    u.searchParams.set('allow_signup', 'false');
    return u.toString();
  }

  /** Exchanges the code for an access token; a refusal (an `error` in a 200) throws a ForgeError of kind 'forbidden'. */
  async exchange(opts: { code: string; redirectUri: string; verifier: string }): Promise<string> {
    const res = await this.web.json<Record<string, unknown> | null>('/login/oauth/access_token', {
      method: 'POST',
      token: null,
      body: {
        client_id: this.config.oauth.client_id,
        client_secret: this.config.oauth.client_secret,
        code: opts.code,
        redirect_uri: opts.redirectUri,
        code_verifier: opts.verifier,
      },
    });
    if (res && typeof res.error === 'string') {
      const desc = typeof res.error_description === 'string' ? `: ${res.error_description}` : '';
      throw new ForgeError('forbidden', `forge ${this.config.id}: the code exchange was refused (${res.error}${desc})`, { integration: this.config.id });
    }
    const token = res?.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new ForgeError('invalid', `forge ${this.config.id}: the code exchange answered no access_token`, { integration: this.config.id });
    }
    return token;
  }

  /** The account the token belongs to. */
  async user(token: string): Promise<ForgeAccount> {
    const u = await this.api.json<{ id?: unknown; login?: unknown } | null>('/user', { token: () => token });
    if (!u || (typeof u.id !== 'number' && typeof u.id !== 'string') || typeof u.login !== 'string') {
      throw new ForgeError('invalid', `forge ${this.config.id}: GET /user answered no id and login`, { integration: this.config.id });
    }
    return { id: String(u.id), login: u.login };
  }

  close(): void {
    this.web.close();
    this.api.close();
  }
}
