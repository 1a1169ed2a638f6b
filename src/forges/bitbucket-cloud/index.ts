// The Bitbucket Cloud forge (bitbucket.org): one workspace (its slug) as the sync source, the
// REST 2.0 API through the one forge HTTP client (api.ts), account and repository uuids as ids,
// the src endpoint for composer.json, clones over https with the integration's credential (never
// the nickname in links.clone), X-Hub-Signature webhooks (a workspace hook where the credential
// may create it, else repository hooks) and sign-in with an OAuth 2 consumer. The semantics are
// the contract's (types.ts) and snapshot.ts's.
import { readCaFile } from '../forge-deps.js';
import type { ForgeHttpClient } from '../http.js';
import { ForgeError, type CodeCredential, type Forge, type HookRequest } from '../types.js';
import { bitbucketCloudApiUrl, bitbucketCloudWebUrl, createBitbucketCloudClient, credentialKind, slugPath, workspaceAndSlug, type BitbucketCloudForgeDeps } from './api.js';
import type { BitbucketCloudIntegrationConfig } from './config.js';
import { verifyBitbucketCloudHook } from './hooks.js';
import { bitbucketCloudOAuth } from './oauth.js';
import { bitbucketCloudDescribeSource, bitbucketCloudDirectReaders, bitbucketCloudRepository, bitbucketCloudSnapshot } from './snapshot.js';
import { clientCredentialsToken, type ClientCredentialsSource } from './token.js';
import { ensureBitbucketCloudWebhooks } from './webhooks.js';

export { bitbucketCloudApiUrl, bitbucketCloudWebUrl, credentialKind, workspaceSlug, type BitbucketCloudForgeDeps } from './api.js';
export { signatureMatches } from './hooks.js';
export { HOOK_EVENTS } from './webhooks.js';

/**
 * What Bitbucket Cloud's repository and workspace hooks never announce (the scheduled sync picks
 * these up): its webhook events cover pushes, repository updates and transfers, pull requests,
 * issues and pipelines, but no membership, group or permission change, and a repository hook
 * cannot announce a repository that does not exist yet.
 */
const SCHEDULE_COVERS = ['membership changes', 'permission changes', 'new repositories'] as const;

export interface BitbucketCloudForge extends Forge {
  readonly type: 'bitbucket-cloud';
  readonly apiUrl: string;
  readonly client: ForgeHttpClient;
  /** Releases keep-alive sockets. */
  close(): void;
}

export function createBitbucketCloudForge(config: BitbucketCloudIntegrationConfig, deps: BitbucketCloudForgeDeps = {}): BitbucketCloudForge {
  const apiUrl = bitbucketCloudApiUrl(config.api_url);
  const webUrl = bitbucketCloudWebUrl(config.url);
  const ca = readCaFile(config, deps);
  const kind = credentialKind(config);
  if (kind === 'client-credentials' && !config.oauth) {
    throw new ForgeError('invalid', `forge ${config.id}: oauth_client_credentials needs the oauth consumer (oauth.client_id, oauth.client_secret)`, { integration: config.id });
  }
  if (kind === 'client-credentials' && (config.token || config.username)) {
    throw new ForgeError('invalid', `forge ${config.id}: oauth_client_credentials replaces token and username; set one or the other`, { integration: config.id });
  }
  let consumerToken: ClientCredentialsSource | null = null;
  if (kind === 'client-credentials' && config.oauth) {
    consumerToken = clientCredentialsToken({
      integration: config.id,
      tokenUrl: `${webUrl}/site/oauth2/access_token`,
      clientId: config.oauth.client_id,
      clientSecret: config.oauth.client_secret,
      ca,
      ...(deps.now ? { now: deps.now } : {}),
    });
  }
  const client = createBitbucketCloudClient(config, deps, ca, consumerToken ? () => (consumerToken as ClientCredentialsSource).get() : undefined);
  const needCredential = (): void => {
    if (kind === null) throw new ForgeError('unauthorized', `forge ${config.id}: no token is configured`, { integration: config.id });
  };

  return {
    type: 'bitbucket-cloud',
    integrationId: config.id,
    displayName: 'Bitbucket Cloud',
    sourceHint: { label: 'Workspace', placeholder: 'acme', help: "The workspace's slug (bitbucket.org/acme); all its repositories come along.", repositoryNoun: { one: 'repository', other: 'repositories' } },
    teamKind: (teamId) => (teamId.startsWith('group:') ? 'group' : null),
    apiUrl,
    client,
    close: () => {
      client.close();
      consumerToken?.close();
    },
    ...(config.oauth ? { oauth: bitbucketCloudOAuth(client, webUrl, { clientId: config.oauth.client_id, clientSecret: config.oauth.client_secret, ca }) } : {}),

    webhooks: {
      scopeLabels: { source: 'one workspace hook', repository: 'a hook per repository' },
      scheduleCovers: { source: SCHEDULE_COVERS, repository: SCHEDULE_COVERS },
      async ensureWebhooks(source, repositories, url, secret, opts) {
        needCredential();
        return ensureBitbucketCloudWebhooks(client, source, repositories, url, secret, opts?.secretChanged === true);
      },
    },

    async describeSource(source) {
      needCredential();
      return bitbucketCloudDescribeSource(client, source);
    },

    async snapshot(source) {
      needCredential();
      return bitbucketCloudSnapshot(client, source);
    },

    async directReaders() {
      needCredential();
      return bitbucketCloudDirectReaders();
    },

    async composerJson(repo) {
      needCredential();
      if (!repo.defaultBranch) return null; // an empty repository
      const { workspace, slug } = workspaceAndSlug(repo);
      // /src/{commit}/{path} takes a branch name as the commit; a slash in it is encoded.
      return client.raw(`/repositories/${encodeURIComponent(workspace)}/${slugPath(slug)}/src/${encodeURIComponent(repo.defaultBranch)}/composer.json`, { nullOn404: true });
    },

    async repository(source, repoId, fullName) {
      needCredential();
      return bitbucketCloudRepository(client, source, repoId, fullName);
    },

    async codeCredential(_source): Promise<CodeCredential> {
      // The clone URL's nickname is never used: git gets the integration's own credential.
      switch (kind) {
        case 'client-credentials':
          return { username: 'x-token-auth', password: await (consumerToken as ClientCredentialsSource).get() };
        case 'api-token': // the email is the API's username, not git's: Bitbucket's static one
          return { username: 'x-bitbucket-api-token-auth', password: config.token as string };
        case 'app-password':
          return { username: config.username as string, password: config.token as string };
        case 'access-token':
          return { username: 'x-token-auth', password: config.token as string };
        default:
          throw new ForgeError('unauthorized', `forge ${config.id}: no token is configured`, { integration: config.id });
      }
    },

    verifyHook(req: HookRequest, secret: string) {
      return verifyBitbucketCloudHook(req, secret);
    },
  };
}
