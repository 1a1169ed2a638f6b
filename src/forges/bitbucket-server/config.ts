// The configuration of a `bitbucket-server` integration (Bitbucket Data Center / Server): pure
// TypeBox, imported by the config schema through src/forges/config.ts. `url` is the web URL with
// its context path if any (https://host/bitbucket); the API is url/rest/api/1.0 unless api_url
// says otherwise. `token`: an HTTP access token sent as Bearer, or, with `username`, the
// password of HTTP Basic (older servers, or where admin endpoints refuse tokens).
import { Type, type Static } from 'typebox';
import { integrationKeys, Strict } from '../config-keys.js';

export const BitbucketServerIntegrationConfig = Type.Object(
  {
    ...integrationKeys('bitbucket-server'),
    username: Type.Optional(Type.String({ minLength: 1, description: 'with it, token is the HTTP Basic password' })),
  },
  Strict,
);

export type BitbucketServerIntegrationConfig = Static<typeof BitbucketServerIntegrationConfig>;
