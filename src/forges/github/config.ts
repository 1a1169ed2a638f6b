// The configuration of a `github` integration (GitHub and GitHub Enterprise Server): pure
// TypeBox, imported by the config schema through src/forges/config.ts. A personal access token
// or a GitHub App.
import { Type, type Static } from 'typebox';
import { integrationKeys, Strict } from '../config-keys.js';

const Numeric = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]+$' })]);

export const GitHubIntegrationConfig = Type.Object(
  {
    ...integrationKeys('github'),
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
  },
  Strict,
);

export type GitHubIntegrationConfig = Static<typeof GitHubIntegrationConfig>;
