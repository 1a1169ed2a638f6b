// The configuration of a `gitlab` integration (GitLab self-managed or gitlab.com): pure TypeBox,
// imported by the config schema through src/forges/config.ts. `url` is the web URL with its
// relative root if any (https://host/gitlab); the API is url/api/v4 unless api_url says
// otherwise. `token`: a personal, group or project access token (API and clone credential).
import { Type, type Static } from 'typebox';
import { integrationKeys, Strict } from '../config-keys.js';

/** GitLab takes the common keys only. */
export const GitLabIntegrationConfig = Type.Object(integrationKeys('gitlab'), Strict);

export type GitLabIntegrationConfig = Static<typeof GitLabIntegrationConfig>;
