// The configuration of a `github` integration (GitHub and GitHub Enterprise Server): pure
// TypeBox, imported by the config schema through src/forges/config.ts. A personal access token
// or a GitHub App.
import { Type, type Static } from 'typebox';

const Strict = { additionalProperties: false } as const;
const Numeric = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]+$' })]);

export const GitHubIntegrationConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,38}$' }),
    type: Type.Literal('github'),
    url: Type.String({ pattern: '^https?://' }),
    api_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    token: Type.Optional(Type.String({ minLength: 1 })),
    app: Type.Optional(
      Type.Object(
        {
          app_id: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]+$' })], { description: 'GitHub App id' }),
          private_key: Type.String({ minLength: 1, description: 'the App private key (PEM)' }),
          installation_id: Type.Optional(Numeric),
        },
        Strict,
      ),
    ),
    oauth: Type.Optional(Type.Object({ client_id: Type.String({ minLength: 1 }), client_secret: Type.String({ minLength: 1 }) }, Strict)),
    webhook_secret: Type.Optional(Type.String({ minLength: 1 })),
    ca_file: Type.Optional(Type.String({ minLength: 1 })),
    api_concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'forge API requests in flight at once (default 8)' })),
  },
  Strict,
);

export type GitHubIntegrationConfig = Static<typeof GitHubIntegrationConfig>;
