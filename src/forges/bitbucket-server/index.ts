// The Bitbucket Data Center forge (Bitbucket Server): one or more project keys as the sync
// source, the REST 1.0 API through the one forge HTTP client (api.ts), numeric user and
// repository ids, the raw endpoint for composer.json, clones with the integration's credential,
// X-Hub-Signature webhooks (a project hook where the server offers it, else repository hooks)
// and sign-in with OAuth 2 + PKCE. The semantics are the contract's (types.ts) and snapshot.ts's.
import { readCaFile } from '../forge-deps.js';
import type { ForgeHttpClient } from '../http.js';
import { ForgeError, type CodeCredential, type Forge, type HookRequest } from '../types.js';
import { bitbucketServerApiUrl, bitbucketServerWebUrl, createBitbucketServerClient, keyPath, slugPath, type BitbucketServerForgeDeps } from './api.js';
import type { BitbucketServerIntegrationConfig } from './config.js';
import { verifyBitbucketServerHook } from './hooks.js';
import { bitbucketServerOAuth } from './oauth.js';
import { ProjectReadersCache } from './readers-cache.js';
import { bitbucketServerDescribeSource, bitbucketServerDirectReaders, bitbucketServerRepository, bitbucketServerSnapshot, keyAndSlug } from './snapshot.js';
import { ensureBitbucketServerWebhooks } from './webhooks.js';

export { bitbucketServerApiUrl, bitbucketServerWebUrl, sourceKeys, type BitbucketServerForgeDeps } from './api.js';
export { signatureMatches } from './hooks.js';
export { HOOK_EVENTS } from './webhooks.js';

/** What Bitbucket's hooks never announce: the scheduled sync picks these up. */
const SCHEDULE_COVERS = ['membership changes', 'new repositories'] as const;

export interface BitbucketServerForge extends Forge {
  readonly type: 'bitbucket-server';
  readonly apiUrl: string;
  readonly client: ForgeHttpClient;
  /** Releases keep-alive sockets. */
  close(): void;
}

export function createBitbucketServerForge(config: BitbucketServerIntegrationConfig, deps: BitbucketServerForgeDeps = {}): BitbucketServerForge {
  const apiUrl = bitbucketServerApiUrl(config.url, config.api_url);
  const webUrl = bitbucketServerWebUrl(config.url);
  const ca = readCaFile(config, deps);
  const client = createBitbucketServerClient(config, deps, ca);
  // The last snapshot's project readers, reused by directReaders for a few minutes (readers-cache.ts).
  const projectReaders = new ProjectReadersCache(deps.now);
  const token = config.token;
  const needCredential = (): string => {
    if (!token) throw new ForgeError('unauthorized', `forge ${config.id}: no token is configured`, { integration: config.id });
    return token;
  };

  return {
    type: 'bitbucket-server',
    integrationId: config.id,
    displayName: 'Bitbucket Data Center',
    sourceHint: { label: 'Project keys', placeholder: 'PAY,WEB', help: 'One project key, or several separated by commas; all their repositories come along.', repositoryNoun: { one: 'repository', other: 'repositories' } },
    teamKind: (teamId) => (teamId.startsWith('project:') ? 'project' : teamId.startsWith('group:') ? 'group' : null),
    apiUrl,
    client,
    close: () => client.close(),
    ...(config.oauth ? { oauth: bitbucketServerOAuth(client, webUrl, { clientId: config.oauth.client_id, clientSecret: config.oauth.client_secret, ca }) } : {}),

    webhooks: {
      scopeLabels: { source: 'a hook per project', repository: 'a hook per repository' },
      // Bitbucket has no membership, permission or repository-created events (forges.md §3.7).
      scheduleCovers: { source: SCHEDULE_COVERS, repository: SCHEDULE_COVERS },
      async ensureWebhooks(source, repositories, url, secret, opts) {
        needCredential();
        return ensureBitbucketServerWebhooks(client, source, repositories, url, secret, opts?.secretChanged === true);
      },
    },

    async describeSource(source) {
      needCredential();
      return bitbucketServerDescribeSource(client, source);
    },

    async snapshot(source) {
      needCredential();
      return bitbucketServerSnapshot(client, source, projectReaders);
    },

    async directReaders(_source, repo) {
      needCredential();
      return bitbucketServerDirectReaders(client, repo, projectReaders);
    },

    async composerJson(repo) {
      needCredential();
      if (!repo.defaultBranch) return null; // an empty repository
      const { key, slug } = keyAndSlug(repo);
      return client.raw(`/projects/${keyPath(key)}/repos/${slugPath(slug)}/raw/composer.json`, { query: { at: `refs/heads/${repo.defaultBranch}` }, nullOn404: true });
    },

    async repository(source, repoId, fullName) {
      needCredential();
      return bitbucketServerRepository(client, source, repoId, fullName);
    },

    async codeCredential(_source): Promise<CodeCredential> {
      // With a username: Basic as configured (a password, or a personal token). A bare HTTP
      // access token: Bearer, the one scheme every kind takes (project and repository tokens are
      // Bearer-only on Bitbucket, a personal token takes either), and no owner to look up.
      const password = needCredential();
      if (config.username) return { username: config.username, password };
      return { scheme: 'bearer', username: '', password };
    },

    verifyHook(req: HookRequest, secret: string) {
      return verifyBitbucketServerHook(req, secret);
    },
  };
}
