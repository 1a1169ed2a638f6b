// Sign in with Bitbucket Data Center: the ForgeOAuth capability of an integration that has
// `oauth` (an incoming application link, 7.21+). OAuth 2 authorization code with PKCE (S256) at
// url/rest/oauth2/latest/{authorize,token}, scope PUBLIC_REPOS (the lowest; identity only).
// Bitbucket has no "current user" endpoint: the username comes from the X-AUSERNAME header of
// an authenticated answer (application-properties), then the user from /users/{slug}, or from
// /users?filter= when the username is not the slug; matched by its numeric id.
import type { ForgeHttpClient } from '../http.js';
import { ForgeError, type ForgeOAuth, type ForgeUser } from '../types.js';
import { getOne, listAll } from './api.js';
import { UserSchema, type BbUser } from './schemas.js';

export const BITBUCKET_SERVER_OAUTH_SCOPES = ['PUBLIC_REPOS'];

export function bitbucketServerOAuth(client: ForgeHttpClient, webUrl: string, app: { clientId: string; clientSecret: string; ca?: string | undefined }): ForgeOAuth {
  return {
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    ...(app.ca !== undefined ? { ca: app.ca } : {}),
    authorizeUrl: `${webUrl}/rest/oauth2/latest/authorize`,
    tokenUrl: `${webUrl}/rest/oauth2/latest/token`,
    scopes: [...BITBUCKET_SERVER_OAUTH_SCOPES],
    pkce: true,
    async currentUser(accessToken: string): Promise<ForgeUser> {
      // Bearer whatever the integration's own scheme (Basic with a username).
      const auth = { token: null, headers: { authorization: `Bearer ${accessToken}` } };
      const res = await client.request('/application-properties', auth);
      const h = res?.headers['x-ausername'];
      const username = (Array.isArray(h) ? h[0] : h)?.trim();
      if (!username) throw client.error('unauthorized', 'the answer names no signed-in user (X-AUSERNAME)', client.url('/application-properties'));
      let u = await getOne<BbUser>(client, `/users/${encodeURIComponent(username)}`, UserSchema, { ...auth, nullOn404: true });
      if (!u || u.name !== username) {
        const rows = await listAll<BbUser>(client, '/users', UserSchema, { ...auth, query: { filter: username } });
        u = rows.find((r) => r.name === username) ?? null;
      }
      if (!u) throw client.error('not-found', `the signed-in user ${username} was not found`, client.url('/users'));
      if (u.active === false) throw new ForgeError('forbidden', `forge ${client.integration}: the Bitbucket account ${u.name} is inactive`, { integration: client.integration });
      return { id: String(u.id), login: u.name, name: u.displayName ?? null, email: u.emailAddress ?? null };
    },
  };
}
