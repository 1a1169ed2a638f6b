// GitHub's OAuth web flow for signing in to the web UI: what @fastify/oauth2 needs to talk to
// one integration (the authorize and token endpoints on the web URL, the client sent in the
// form body as GitHub expects, the token request's HTTP options), reading the answer (GitHub
// refuses with HTTP 200 and an `error` field) and the signed-in account (GET /user through
// ForgeHttpClient). The integration's ca_file applies to both the token request (an https.Agent
// handed to simple-oauth2's HTTP client, @hapi/wreck) and GET /user. The access token is used
// once and dropped.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { IntegrationConfig } from '../../config/schema.js';
import { ForgeHttpClient } from '../http.js';
import { ForgeError } from '../types.js';
import { githubApiUrl } from './api-url.js';

export const OAUTH_SCOPES = ['read:user', 'read:org'];
/** The whole token request (connect included); the forge HTTP client's request timeout. */
export const TOKEN_REQUEST_TIMEOUT_MS = 30_000;
const TOKEN_RESPONSE_MAX_BYTES = 1024 * 1024;

export type OAuthIntegrationConfig = IntegrationConfig & { oauth: { client_id: string; client_secret: string } };

export interface ForgeAccount {
  id: string;
  login: string;
}

/** @fastify/oauth2's `credentials` option (simple-oauth2's configuration). */
export interface OAuth2Credentials {
  client: { id: string; secret: string };
  auth: { authorizeHost: string; authorizePath: string; tokenHost: string; tokenPath: string };
  options: { authorizationMethod: 'body'; bodyFormat: 'form' };
  http: { timeout: number; maxBytes: number; agent?: https.Agent };
}

export class GitHubOAuth {
  /** The web URL (no trailing slash, no /api/v3): the OAuth endpoints live under it. */
  readonly webUrl: string;
  /** Extra PEM trusted for this integration (ca_file), besides the public CAs. */
  private readonly ca: string | undefined;
  private readonly api: ForgeHttpClient;

  /** Throws a ForgeError when ca_file cannot be read. */
  constructor(private readonly config: OAuthIntegrationConfig) {
    this.webUrl = config.url.replace(/\/+$/, '').replace(/\/api\/v3$/, '');
    try {
      this.ca = config.ca_file ? readFileSync(config.ca_file, 'utf8') : undefined;
    } catch (e) {
      throw new ForgeError('invalid', `forge ${config.id}: cannot read ca_file ${config.ca_file}: ${(e as Error).message}`, { integration: config.id });
    }
    this.api = new ForgeHttpClient({
      integration: config.id,
      etagStore: null,
      retries: 1,
      ...(this.ca !== undefined ? { ca: this.ca } : {}),
      baseUrl: githubApiUrl(config.url, config.api_url),
      headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    });
  }

  /**
   * simple-oauth2 joins an absolute path to the host, so a web URL with a path prefix keeps it in
   * the paths. `http` goes to @hapi/wreck: with a ca_file, an https.Agent that trusts it (the
   * agent is used for this integration's token requests only; nothing global changes).
   */
  credentials(): OAuth2Credentials {
    const u = new URL(this.webUrl);
    const prefix = u.pathname.replace(/\/+$/, '');
    return {
      client: { id: this.config.oauth.client_id, secret: this.config.oauth.client_secret },
      auth: {
        authorizeHost: u.origin,
        authorizePath: `${prefix}/login/oauth/authorize`,
        tokenHost: u.origin,
        tokenPath: `${prefix}/login/oauth/access_token`,
      },
      options: { authorizationMethod: 'body', bodyFormat: 'form' },
      http: {
        timeout: TOKEN_REQUEST_TIMEOUT_MS,
        maxBytes: TOKEN_RESPONSE_MAX_BYTES,
        ...(this.ca !== undefined && u.protocol === 'https:' ? { agent: new https.Agent({ ca: [...rootCertificates, this.ca] }) } : {}),
      },
    };
  }

  /** Extra authorize URL parameters: no sign-up offered on the forge's page. */
  static readonly authorizeParams = { allow_signup: 'false' };

  /** The access token from the token endpoint's answer; a refusal (an `error` in a 200) throws a ForgeError of kind 'forbidden'. */
  accessToken(answer: Record<string, unknown> | null | undefined): string {
    if (answer && typeof answer.error === 'string') {
      const desc = typeof answer.error_description === 'string' ? `: ${answer.error_description}` : '';
      throw new ForgeError('forbidden', `forge ${this.config.id}: the code exchange was refused (${answer.error}${desc})`, { integration: this.config.id });
    }
    const token = answer?.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new ForgeError('invalid', `forge ${this.config.id}: the code exchange answered no access_token`, { integration: this.config.id });
    }
    return token;
  }

  /** A failed token request (network, TLS, timeout, non-2xx: errors of @hapi/wreck) as a ForgeError. */
  exchangeFailed(e: unknown): ForgeError {
    const message = e instanceof Error ? e.message : String(e);
    return new ForgeError('unavailable', `forge ${this.config.id}: the code exchange failed (${message})`, { integration: this.config.id, url: `${this.webUrl}/login/oauth/access_token` });
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
    this.api.close();
  }
}
