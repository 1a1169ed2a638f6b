// The configuration of a `bitbucket-cloud` integration (bitbucket.org): pure TypeBox, imported by
// the config schema through src/forges/config.ts. `url` is the web URL (default
// https://bitbucket.org: OAuth and clone hosts live there); the API is https://api.bitbucket.org/2.0 unless api_url
// says otherwise. One credential, for the API and for clones:
// - `username` + `token` as HTTP Basic: an Atlassian API token with scopes (`username` = the
//   account's email; git then clones as `x-bitbucket-api-token-auth`), or an app password
//   (`username` = the Bitbucket username, deprecated by Atlassian);
// - `token` alone: a workspace, project or repository access token, sent as Bearer (git:
//   `x-token-auth`);
// - `oauth_client_credentials: true`: the `oauth` consumer's client-credentials token (Bearer,
//   fetched and renewed before it expires; git: `x-token-auth`), instead of a token.
import { Type, type Static } from 'typebox';
import { integrationKeys, Strict } from '../config-keys.js';

export const BitbucketCloudIntegrationConfig = Type.Object(
  {
    ...integrationKeys('bitbucket-cloud'),
    // Filled in by the config loader when left out (a schema `default`): bitbucket.org.
    url: Type.String({ pattern: '^https?://', default: 'https://bitbucket.org' }),
    username: Type.Optional(Type.String({ minLength: 1, description: 'with it, token is the HTTP Basic password (API token: the email; app password: the username)' })),
    oauth_client_credentials: Type.Optional(Type.Boolean({ description: "use the oauth consumer's client-credentials token instead of token" })),
  },
  Strict,
);

export type BitbucketCloudIntegrationConfig = Static<typeof BitbucketCloudIntegrationConfig>;

/** Bitbucket Cloud's own hosts (the defaults when url and api_url are left at bitbucket.org). */
export const BITBUCKET_CLOUD_WEB_URL = 'https://bitbucket.org';
export const BITBUCKET_CLOUD_API_URL = 'https://api.bitbucket.org/2.0';
