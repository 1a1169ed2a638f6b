// The configuration of a `bitbucket-server` integration (Bitbucket Data Center / Server): pure
// TypeBox, imported by the config schema through src/forges/config.ts. `url` is the web URL with
// its context path if any (https://host/bitbucket); the API is url/rest/api/1.0 unless api_url
// says otherwise. `token`: an HTTP access token sent as Bearer, or, with `username`, the
// password of HTTP Basic (older servers, or where admin endpoints refuse tokens).
import { Type, type Static } from 'typebox';

const Strict = { additionalProperties: false } as const;

export const BitbucketServerIntegrationConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,38}$' }),
    type: Type.Literal('bitbucket-server'),
    url: Type.String({ pattern: '^https?://' }),
    api_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    token: Type.Optional(Type.String({ minLength: 1 })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'with it, token is the HTTP Basic password' })),
    oauth: Type.Optional(Type.Object({ client_id: Type.String({ minLength: 1 }), client_secret: Type.String({ minLength: 1 }) }, Strict)),
    webhook_secret: Type.Optional(Type.String({ minLength: 1 })),
    ca_file: Type.Optional(Type.String({ minLength: 1 })),
    api_concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'forge API requests in flight at once (default 8)' })),
  },
  Strict,
);

export type BitbucketServerIntegrationConfig = Static<typeof BitbucketServerIntegrationConfig>;
