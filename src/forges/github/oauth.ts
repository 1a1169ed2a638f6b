// GitHub's OAuth web flow for signing in to the web UI, as the forge's ForgeOAuth capability: the
// authorize and token endpoints on the web URL (a path prefix kept), the scopes, PKCE, the OAuth
// app's client, the integration's ca_file for the token request, and the signed-in account
// (GET /user through a ForgeHttpClient of its own: no ETag cache, since every answer belongs to
// another user's token). The access token is used once and dropped.
import type { ForgeHttpOptions } from '../http.js';
import { ForgeHttpClient } from '../http.js';
import { ForgeError, type ForgeOAuth, type ForgeUser } from '../types.js';

export const OAUTH_SCOPES = ['read:user', 'read:org'];

export interface GitHubOAuthOptions {
  integration: string;
  /** The web URL (no trailing slash, no /api/v3): the OAuth endpoints live under it. */
  webUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** The integration's ca_file, read. */
  ca?: string | undefined;
  /** Client tuning (tests pass small values). */
  http?: Partial<Pick<ForgeHttpOptions, 'connectTimeoutMs' | 'requestTimeoutMs' | 'backoffBaseMs' | 'sleep'>>;
}

export type GitHubOAuth = ForgeOAuth & { close(): void };

export function createGitHubOAuth(o: GitHubOAuthOptions): GitHubOAuth {
  const api = new ForgeHttpClient({
    integration: o.integration,
    etagStore: null,
    retries: 1,
    ...o.http,
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
    baseUrl: o.apiUrl,
    headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
  });
  return {
    authorizeUrl: `${o.webUrl}/login/oauth/authorize`,
    tokenUrl: `${o.webUrl}/login/oauth/access_token`,
    scopes: [...OAUTH_SCOPES],
    pkce: true,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    // No sign-up offered on the forge's page.
    authorizeParams: { allow_signup: 'false' },
    ...(o.ca !== undefined ? { ca: o.ca } : {}),

    async currentUser(accessToken: string): Promise<ForgeUser> {
      const u = await api.json<{ id?: unknown; login?: unknown; name?: unknown; email?: unknown } | null>('/user', { token: () => accessToken });
      if (!u || (typeof u.id !== 'number' && typeof u.id !== 'string') || typeof u.login !== 'string' || u.login === '') {
        throw new ForgeError('invalid', `forge ${o.integration}: GET /user answered no id and login`, { integration: o.integration });
      }
      return {
        id: String(u.id),
        login: u.login,
        name: typeof u.name === 'string' ? u.name : null,
        email: typeof u.email === 'string' ? u.email : null,
      };
    },

    close: () => api.close(),
  };
}
