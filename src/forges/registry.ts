// The forge registry: builds the Forge of an integration from its `type`. The only place that
// knows which forges exist; everything else talks to the Forge interface.
import type { IntegrationConfig } from './config.js';
import { createGitHubForge, type GitHubForgeDeps } from './github/index.js';
import { createGitLabForge, type GitLabForgeDeps } from './gitlab/index.js';
import { createBitbucketServerForge, type BitbucketServerForgeDeps } from './bitbucket-server/index.js';
import { createBitbucketCloudForge, type BitbucketCloudForgeDeps } from './bitbucket-cloud/index.js';
import { ForgeError, type Forge } from './types.js';

export type ForgeDeps = GitHubForgeDeps & GitLabForgeDeps & BitbucketServerForgeDeps & BitbucketCloudForgeDeps;

type Factory = (config: IntegrationConfig, deps: ForgeDeps) => Forge & { close?: () => void };

const FACTORIES: Record<string, Factory | undefined> = {
  github: (config, deps) => {
    if (config.type !== 'github') throw new ForgeError('invalid', `integration ${config.id} is not of type github`, { integration: config.id });
    return createGitHubForge(config, deps);
  },
  gitlab: (config, deps) => {
    if (config.type !== 'gitlab') throw new ForgeError('invalid', `integration ${config.id} is not of type gitlab`, { integration: config.id });
    return createGitLabForge(config, deps);
  },
  'bitbucket-server': (config, deps) => {
    if (config.type !== 'bitbucket-server') throw new ForgeError('invalid', `integration ${config.id} is not of type bitbucket-server`, { integration: config.id });
    return createBitbucketServerForge(config, deps);
  },
  'bitbucket-cloud': (config, deps) => {
    if (config.type !== 'bitbucket-cloud') throw new ForgeError('invalid', `integration ${config.id} is not of type bitbucket-cloud`, { integration: config.id });
    return createBitbucketCloudForge(config, deps);
  },
};

export function createForge(config: IntegrationConfig, deps: ForgeDeps = {}): Forge & { close?: () => void } {
  const factory: Factory | undefined = FACTORIES[String(config.type)];
  if (!factory) {
    throw new ForgeError('invalid', `forge type "${config.type}" (integration ${config.id}) is not supported yet`, { integration: config.id });
  }
  return factory(config, deps);
}

export function supportedForgeTypes(): string[] {
  return Object.keys(FACTORIES);
}
