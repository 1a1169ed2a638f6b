// Sign in with Bitbucket (Cloud): the ForgeOAuth capability of an integration that has `oauth`
// (an OAuth consumer of the workspace, with a callback URL and the Account: Read permission).
// OAuth 2 authorization code at url/site/oauth2/authorize and url/site/oauth2/access_token, no
// PKCE (Bitbucket Cloud does not document it), the consumer as HTTP Basic on the token request
// (Bitbucket's documented form), scope `account` (the least: who the user is;
// Bitbucket takes a consumer's scopes from its settings). The signed-in account comes from
// GET /2.0/user with the access token, matched by its uuid; the login is the nickname.
import type { ForgeHttpClient } from '../http.js';
import { ForgeError, type ForgeOAuth, type ForgeUser } from '../types.js';
import { getOne } from './api.js';
import { AccountSchema, type BcAccount } from './schemas.js';
import { userOf } from './snapshot.js';

export const BITBUCKET_CLOUD_OAUTH_SCOPES = ['account'];

export function bitbucketCloudOAuth(client: ForgeHttpClient, webUrl: string, app: { clientId: string; clientSecret: string; ca?: string | undefined }): ForgeOAuth {
  return {
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    ...(app.ca !== undefined ? { ca: app.ca } : {}),
    authorizeUrl: `${webUrl}/site/oauth2/authorize`,
    tokenUrl: `${webUrl}/site/oauth2/access_token`,
    scopes: [...BITBUCKET_CLOUD_OAUTH_SCOPES],
    pkce: false,
    // Bitbucket documents the consumer as HTTP Basic on the token request and has refused it in the body.
    clientAuth: 'basic',
    async currentUser(accessToken: string): Promise<ForgeUser> {
      // Bearer whatever the integration's own scheme (Basic with a username).
      const u = await getOne<BcAccount>(client, '/user', AccountSchema, { token: null, headers: { authorization: `Bearer ${accessToken}` } });
      if (!u) throw client.error('invalid', 'no user in the answer', client.url('/user'));
      if (u.account_status != null && u.account_status !== 'active') {
        throw new ForgeError('forbidden', `forge ${client.integration}: the Bitbucket account ${u.nickname ?? u.uuid} is ${u.account_status}`, { integration: client.integration });
      }
      if (!u.nickname) throw client.error('invalid', 'the account has no nickname', client.url('/user'));
      return userOf(u);
    },
  };
}
