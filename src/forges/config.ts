// The integrations' configuration: a union on `type` of each forge's schema
// (src/forges/<type>/config.ts). src/config/schema.ts takes it from here, so the config layer
// names no forge type; load.ts validates each integration against the schema of its type, so an
// error names the key (`integrations[1].app`) rather than the union.
import { Type, type Static, type TObject } from 'typebox';
import { GitHubIntegrationConfig } from './github/config.js';
import { GitLabIntegrationConfig } from './gitlab/config.js';
import { BitbucketServerIntegrationConfig } from './bitbucket-server/config.js';
import { BitbucketCloudIntegrationConfig } from './bitbucket-cloud/config.js';

/** The schema of each supported integration type. */
export const INTEGRATION_SCHEMAS: Readonly<Record<string, TObject>> = {
  github: GitHubIntegrationConfig,
  gitlab: GitLabIntegrationConfig,
  'bitbucket-server': BitbucketServerIntegrationConfig,
  'bitbucket-cloud': BitbucketCloudIntegrationConfig,
};

/** Types that are supported. */
export const INTEGRATION_TYPES = ['github', 'gitlab', 'bitbucket-server', 'bitbucket-cloud'] as const;

/** Types that are known and not supported yet: start-up says so rather than "unknown". */
export const PLANNED_INTEGRATION_TYPES: readonly string[] = [];

export const IntegrationConfig = Type.Union([GitHubIntegrationConfig, GitLabIntegrationConfig, BitbucketServerIntegrationConfig, BitbucketCloudIntegrationConfig]);

/** One integration, whatever its type; narrow on `type` for the keys only one type has. */
export type IntegrationConfig = Static<typeof IntegrationConfig>;

export type { GitHubIntegrationConfig } from './github/config.js';
export type { GitLabIntegrationConfig } from './gitlab/config.js';
export type { BitbucketServerIntegrationConfig } from './bitbucket-server/config.js';
export type { BitbucketCloudIntegrationConfig } from './bitbucket-cloud/config.js';
