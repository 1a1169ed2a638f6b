// Sign in with GitLab: the ForgeOAuth capability of an integration that has `oauth`. OAuth 2
// authorization code with PKCE (S256) on the web URL (relative root kept), scope read_user,
// and the signed-in account from GET /api/v4/user with the access token, matched by its id.
import type { ForgeHttpClient } from '../http.js';
import { ForgeError, type ForgeOAuth, type ForgeUser } from '../types.js';
import { getOne } from './api.js';
import { UserSchema, type GlUser } from './schemas.js';

export const GITLAB_OAUTH_SCOPES = ['read_user'];

export function gitlabOAuth(client: ForgeHttpClient, webUrl: string, app: { clientId: string; clientSecret: string; ca?: string | undefined }): ForgeOAuth {
  return {
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    ...(app.ca !== undefined ? { ca: app.ca } : {}),
    authorizeUrl: `${webUrl}/oauth/authorize`,
    tokenUrl: `${webUrl}/oauth/token`,
    scopes: [...GITLAB_OAUTH_SCOPES],
    pkce: true,
    async currentUser(accessToken: string): Promise<ForgeUser> {
      const u = await getOne<GlUser>(client, '/user', UserSchema, { token: accessToken });
      if (!u) throw client.error('invalid', 'no user in the answer', client.url('/user'));
      if (u.state !== undefined && u.state !== 'active') {
        throw new ForgeError('forbidden', `forge ${client.integration}: the GitLab account ${u.username} is ${u.state}`, { integration: client.integration });
      }
      return { id: String(u.id), login: u.username, name: u.name ?? null, email: u.email ?? null };
    },
  };
}
