// The GitLab forge (self-managed or gitlab.com): a group tree as the sync source, the REST v4
// API through the one forge HTTP client (api.ts), numeric ids after the source group is found,
// project files for composer.json, clones as user `oauth2` with the token, X-Gitlab-Token
// webhooks (a group hook where the instance offers it, else project hooks) and sign-in with
// OAuth 2 + PKCE. The semantics are the contract's (types.ts) and snapshot.ts's.
import type { ForgeHttpClient } from '../http.js';
import { ForgeError, type CodeCredential, type Forge, type HookRequest } from '../types.js';
import { readCaFile } from '../forge-deps.js';
import { createGitLabClient, gitlabApiUrl, gitlabWebUrl, idPath, isGitLabDotCom, type GitLabForgeDeps } from './api.js';
import type { GitLabIntegrationConfig } from './config.js';
import { verifyGitLabHook } from './hooks.js';
import { gitlabOAuth } from './oauth.js';
import { findGroup, gitlabDescribeSource, gitlabDirectReaders, gitlabRepository, gitlabSnapshot } from './snapshot.js';
import { ensureGitLabWebhooks } from './webhooks.js';

export { gitlabApiUrl, gitlabWebUrl, isGitLabDotCom, type GitLabForgeDeps } from './api.js';
export { tokenMatches } from './hooks.js';
export { GROUP_HOOK_FLAGS, PROJECT_HOOK_FLAGS } from './webhooks.js';

export interface GitLabForge extends Forge {
  readonly type: 'gitlab';
  readonly apiUrl: string;
  readonly client: ForgeHttpClient;
  /** Releases keep-alive sockets. */
  close(): void;
}

export function createGitLabForge(config: GitLabIntegrationConfig, deps: GitLabForgeDeps = {}): GitLabForge {
  const apiUrl = gitlabApiUrl(config.url, config.api_url);
  const webUrl = gitlabWebUrl(config.url);
  const ca = readCaFile(config, deps);
  const client = createGitLabClient(config, deps, ca);
  const token = config.token;
  const needCredential = (): string => {
    if (!token) throw new ForgeError('unauthorized', `forge ${config.id}: no token is configured`, { integration: config.id });
    return token;
  };

  return {
    type: 'gitlab',
    integrationId: config.id,
    displayName: 'GitLab',
    sourceHint: { label: 'Group path', placeholder: 'acme/platform', help: 'The full path of a group; its subgroups and their projects come along.', repositoryNoun: { one: 'project', other: 'projects' } },
    apiUrl,
    client,
    close: () => client.close(),
    ...(config.oauth ? { oauth: gitlabOAuth(client, webUrl, { clientId: config.oauth.client_id, clientSecret: config.oauth.client_secret, ca }) } : {}),

    webhooks: {
      scopeLabels: { source: 'one group hook', repository: 'a hook per project' },
      // Project hooks have no Member, Subgroup or Project events (group hooks do).
      scheduleCovers: { repository: ['membership changes', 'new projects'] },
      async ensureWebhooks(source, repositories, url, secret, opts) {
        needCredential();
        const group = await findGroup(client, source);
        if (!group) throw client.error('not-found', `group "${source}" does not exist or the token cannot see it`, client.url(`/groups/${encodeURIComponent(source)}`));
        return ensureGitLabWebhooks(client, group, repositories, url, secret, opts?.secretChanged === true);
      },
    },

    async describeSource(source) {
      needCredential();
      return gitlabDescribeSource(client, source);
    },

    async snapshot(source) {
      needCredential();
      return gitlabSnapshot(client, source);
    },

    async directReaders(_source, repo) {
      needCredential();
      return gitlabDirectReaders(client, repo);
    },

    async composerJson(repo) {
      needCredential();
      if (!repo.defaultBranch) return null; // an empty repository
      return client.raw(`/projects/${idPath(repo.id)}/repository/files/composer.json/raw`, { query: { ref: repo.defaultBranch }, nullOn404: true });
    },

    async repository(source, repoId, _fullName) {
      needCredential();
      return gitlabRepository(client, source, repoId);
    },

    async codeCredential(_source): Promise<CodeCredential> {
      // gitlab.com's clones are on gitlab.com, whatever spelling `url` has (www.gitlab.com).
      return { username: 'oauth2', password: needCredential(), ...(isGitLabDotCom(config.url) ? { hosts: ['gitlab.com'] } : {}) };
    },

    verifyHook(req: HookRequest, secret: string) {
      return verifyGitLabHook(req, secret);
    },
  };
}
