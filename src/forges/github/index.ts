// The GitHub and GitHub Enterprise Server forge: a token or a GitHub App, the REST API through
// the one forge HTTP client, webhooks verified with X-Hub-Signature-256.
import type { GitHubIntegrationConfig } from './config.js';
import { readCaFile, type ForgeBuildDeps } from '../forge-deps.js';
import { ForgeHttpClient, type RequestOptions } from '../http.js';
import { ForgeError, type CodeCredential, type Forge, type ForgeRepository, type ForgeWebhooks, type HookRequest } from '../types.js';
import { githubApiUrl, githubWebUrl, isGitHubDotCom } from './api-url.js';
import { AppAuth } from './app-auth.js';
import { verifyGitHubHook } from './hooks.js';
import { githubDirectReaders, githubRepository, githubSnapshot, repoPath } from './snapshot.js';
import { ensureGitHubWebhooks } from './webhook.js';
import { createGitHubOAuth, type GitHubOAuth } from './oauth.js';
import { OrgSchema, firstProblem } from './schemas.js';

export { githubApiUrl, githubWebUrl, isGitHubDotCom } from './api-url.js';
export { appJwt } from './app-auth.js';
export { signBody } from './hooks.js';
export { HOOK_EVENTS } from './webhook.js';
export { OAUTH_SCOPES } from './oauth.js';
export * from './permissions.js';

/** What the factory takes besides the configuration (the same for every forge). */
export type GitHubForgeDeps = ForgeBuildDeps;

export interface GitHubForge extends Forge {
  readonly type: 'github';
  readonly apiUrl: string;
  readonly client: ForgeHttpClient;
  readonly webhooks: ForgeWebhooks;
  /** Releases keep-alive sockets. */
  close(): void;
}

const RAW = 'application/vnd.github.raw+json';

/** "GitHub" for github.com, else "GitHub Enterprise" (the sign-in button's label). */
export function githubDisplayName(url: string): string {
  return isGitHubDotCom(url) ? 'GitHub' : 'GitHub Enterprise';
}

function pickOAuthHttp(h: NonNullable<GitHubForgeDeps['http']>) {
  const out: { connectTimeoutMs?: number; requestTimeoutMs?: number; backoffBaseMs?: number; sleep?: (ms: number) => Promise<void> } = {};
  if (h.connectTimeoutMs !== undefined) out.connectTimeoutMs = h.connectTimeoutMs;
  if (h.requestTimeoutMs !== undefined) out.requestTimeoutMs = h.requestTimeoutMs;
  if (h.backoffBaseMs !== undefined) out.backoffBaseMs = h.backoffBaseMs;
  if (h.sleep !== undefined) out.sleep = h.sleep;
  return out;
}

export function createGitHubForge(config: GitHubIntegrationConfig, deps: GitHubForgeDeps = {}): GitHubForge {
  const apiUrl = githubApiUrl(config.url, config.api_url);
  const webUrl = githubWebUrl(config.url);
  const dotcom = isGitHubDotCom(config.url);
  const ca = readCaFile(config, deps);
  const client = new ForgeHttpClient({
    concurrency: config.api_concurrency ?? 8,
    ...deps.http,
    integration: config.id,
    baseUrl: apiUrl,
    headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    ...(ca !== undefined ? { ca } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.etagStore !== undefined ? { etagStore: deps.etagStore } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });

  const app = config.app
    ? new AppAuth(
        {
          appId: String(config.app.app_id),
          privateKey: config.app.private_key,
          installationId: config.app.installation_id !== undefined ? String(config.app.installation_id) : undefined,
        },
        client,
        deps.now,
      )
    : null;
  const staticToken = config.token;

  /** The credential for calls about `owner` (an org login): the PAT, or that org's installation token. */
  const tokenFor = (owner: string): RequestOptions['token'] => {
    if (app) return () => app.token(owner);
    if (staticToken) return staticToken;
    return null;
  };
  // Sign-in: only with an OAuth app configured.
  const oauth: GitHubOAuth | undefined = config.oauth
    ? createGitHubOAuth({
        integration: config.id,
        webUrl,
        apiUrl,
        clientId: config.oauth.client_id,
        clientSecret: config.oauth.client_secret,
        ca,
        ...(deps.http ? { http: pickOAuthHttp(deps.http) } : {}),
      })
    : undefined;
  const ownerOf = (repo: ForgeRepository) => repo.fullName.split('/')[0] ?? repo.fullName;
  const needCredential = () => {
    if (!app && !staticToken) throw new ForgeError('unauthorized', `forge ${config.id}: no token or app is configured`, { integration: config.id });
  };

  return {
    type: 'github',
    integrationId: config.id,
    displayName: githubDisplayName(config.url),
    sourceHint: { label: 'Organization', placeholder: 'acme', help: 'The login of an organization on the forge.', repositoryNoun: { one: 'repository', other: 'repositories' } },
    ...(oauth ? { oauth } : {}),
    apiUrl,
    client,
    close: () => {
      client.close();
      oauth?.close();
    },

    webhooks: {
      scopeLabels: { source: 'one organization hook', repository: 'a hook per repository' },
      async ensureWebhooks(source, _repositories, url, secret, opts) {
        // GitHub: one org hook, whatever the package repositories are.
        return ensureGitHubWebhooks(client, source, url, secret, () => {
          needCredential();
          return tokenFor(source);
        }, opts);
      },
    },

    async describeSource(source) {
      needCredential();
      const path = `/orgs/${encodeURIComponent(source)}`;
      const body = await client.json<unknown>(path, { token: tokenFor(source), nullOn404: true });
      if (body === null) return null;
      const problem = firstProblem(OrgSchema, body);
      if (problem) throw client.error('invalid', `unexpected response shape at ${problem}`, client.url(path));
      const o = body as { login: string; name?: unknown; public_repos?: unknown; total_private_repos?: unknown };
      const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      const pub = count(o.public_repos);
      const priv = count(o.total_private_repos);
      return { login: o.login, name: typeof o.name === 'string' ? o.name : null, repositories: pub === null && priv === null ? null : (pub ?? 0) + (priv ?? 0) };
    },

    async snapshot(source) {
      needCredential();
      return githubSnapshot(client, source, tokenFor(source), webUrl);
    },

    async directReaders(_source, repo) {
      needCredential();
      return githubDirectReaders(client, repo, tokenFor(ownerOf(repo)));
    },

    async composerJson(repo) {
      needCredential();
      return client.raw(`/repos/${repoPath(repo.fullName)}/contents/composer.json`, {
        query: { ref: repo.defaultBranch },
        headers: { accept: RAW },
        token: tokenFor(ownerOf(repo)),
        nullOn404: true,
      });
    },

    async repository(source, repoId, _fullName) {
      needCredential();
      return githubRepository(client, repoId, tokenFor(source), webUrl);
    },

    async codeCredential(source): Promise<CodeCredential> {
      needCredential();
      const password = app ? await app.token(source) : (staticToken as string);
      // github.com's clones are on github.com, whatever spelling `url` has (www.github.com).
      return { username: 'x-access-token', password, ...(dotcom ? { hosts: ['github.com'] } : {}) };
    },

    verifyHook(req: HookRequest, secret: string) {
      return verifyGitHubHook(req, secret, webUrl);
    },
  };
}
