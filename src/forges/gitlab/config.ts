// The configuration of a `gitlab` integration (GitLab self-managed or gitlab.com): pure TypeBox,
// imported by the config schema through src/forges/config.ts. `url` is the web URL with its
// relative root if any (https://host/gitlab); the API is url/api/v4 unless api_url says
// otherwise. `token`: a personal, group or project access token (API and clone credential).
import { Type, type Static } from 'typebox';

const Strict = { additionalProperties: false } as const;

export const GitLabIntegrationConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,38}$' }),
    type: Type.Literal('gitlab'),
    url: Type.String({ pattern: '^https?://' }),
    api_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    token: Type.Optional(Type.String({ minLength: 1 })),
    oauth: Type.Optional(Type.Object({ client_id: Type.String({ minLength: 1 }), client_secret: Type.String({ minLength: 1 }) }, Strict)),
    webhook_secret: Type.Optional(Type.String({ minLength: 1 })),
    ca_file: Type.Optional(Type.String({ minLength: 1 })),
    api_concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'forge API requests in flight at once (default 8)' })),
  },
  Strict,
);

export type GitLabIntegrationConfig = Static<typeof GitLabIntegrationConfig>;
