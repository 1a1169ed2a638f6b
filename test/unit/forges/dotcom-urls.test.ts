// The URLs a `github` integration with `url: https://github.com` and a `gitlab` integration with
// `url: https://gitlab.com` derive (API, OAuth endpoints, display name), in the spellings admins
// paste (trailing slashes, www., http://, the API URL itself), beside their self-hosted twins:
// github.com's API is https://api.github.com with no /api/v3 anywhere, gitlab.com's is
// https://gitlab.com/api/v4. Built through the forge factories, so what sync and sign-in use is
// what is checked. No network: building a forge makes no request.
import t from 'tap';
import { createGitHubForge, githubApiUrl, githubDisplayName, githubWebUrl, isGitHubDotCom } from '../../../src/forges/github/index.js';
import { createGitLabForge, gitlabApiUrl, gitlabWebUrl, isGitLabDotCom } from '../../../src/forges/gitlab/index.js';
import type { GitHubIntegrationConfig, GitLabIntegrationConfig } from '../../../src/forges/config.js';

const OAUTH = { client_id: 'cid', client_secret: 'csecret' };

function github(url: string, extra: Partial<GitHubIntegrationConfig> = {}) {
  return createGitHubForge({ id: 'gh', type: 'github', url, token: 'ghp_x', oauth: OAUTH, ...extra } as GitHubIntegrationConfig);
}

function gitlab(url: string, extra: Partial<GitLabIntegrationConfig> = {}) {
  return createGitLabForge({ id: 'gl', type: 'gitlab', url, token: 'glpat-x', oauth: OAUTH, ...extra } as GitLabIntegrationConfig);
}

const DOTCOM_SPELLINGS = ['https://github.com', 'https://github.com/', 'https://github.com//', 'https://www.github.com', 'https://www.github.com/', 'http://github.com', 'https://GitHub.com', 'https://api.github.com'];

t.test('github.com in every spelling: API https://api.github.com, OAuth on https://github.com, "GitHub"', async (t) => {
  for (const url of DOTCOM_SPELLINGS) {
    t.ok(isGitHubDotCom(url), `${url} is github.com`);
    t.equal(githubApiUrl(url), 'https://api.github.com', `${url}: API`);
    t.equal(githubWebUrl(url), 'https://github.com', `${url}: web`);
    t.equal(githubDisplayName(url), 'GitHub', `${url}: display name`);
    const f = github(url);
    t.teardown(() => f.close());
    t.equal(f.apiUrl, 'https://api.github.com');
    t.equal(f.client.baseUrl.href, 'https://api.github.com/', 'the client resolves paths at the API root');
    t.equal(f.client.url('/orgs/acme/members').href, 'https://api.github.com/orgs/acme/members', 'no /api/v3 in API paths');
    t.equal(f.displayName, 'GitHub');
    t.equal(f.oauth?.authorizeUrl, 'https://github.com/login/oauth/authorize');
    t.equal(f.oauth?.tokenUrl, 'https://github.com/login/oauth/access_token');
    for (const u of [f.apiUrl, f.client.url('/user').href, f.oauth?.authorizeUrl, f.oauth?.tokenUrl]) t.notMatch(String(u), /\/api\/v3/, `${url}: no /api/v3 in ${u}`);
  }
});

t.test('clone hosts: github.com and gitlab.com name their canonical host, so www. spellings still clone', async (t) => {
  for (const url of ['https://github.com', 'https://www.github.com/']) {
    const f = github(url);
    t.teardown(() => f.close());
    t.same(await f.codeCredential('acme'), { username: 'x-access-token', password: 'ghp_x', hosts: ['github.com'] }, url);
  }
  const ghes = github('https://ghe.corp');
  t.teardown(() => ghes.close());
  t.same(await ghes.codeCredential('acme'), { username: 'x-access-token', password: 'ghp_x' }, 'GHES: url and api_url hosts only');
  for (const url of ['https://gitlab.com', 'https://www.gitlab.com']) {
    const f = gitlab(url);
    t.teardown(() => f.close());
    t.same(await f.codeCredential('acme'), { username: 'oauth2', password: 'glpat-x', hosts: ['gitlab.com'] }, url);
  }
  const managed = gitlab('https://git.corp/gitlab');
  t.teardown(() => managed.close());
  t.same(await managed.codeCredential('acme'), { username: 'oauth2', password: 'glpat-x' });
});

t.test('github.com with api_url: the API moves, the web URL and display name stay github.com', async (t) => {
  const f = github('https://github.com', { api_url: 'http://127.0.0.1:9/' });
  t.teardown(() => f.close());
  t.equal(f.apiUrl, 'http://127.0.0.1:9');
  t.equal(f.client.url('/orgs/acme').href, 'http://127.0.0.1:9/orgs/acme');
  t.equal(f.displayName, 'GitHub');
  t.equal(f.oauth?.authorizeUrl, 'https://github.com/login/oauth/authorize');
});

t.test('GitHub Enterprise Server: URL/api/v3, OAuth under the web URL, "GitHub Enterprise"', async (t) => {
  for (const url of ['https://ghe.corp', 'https://ghe.corp/', 'https://ghe.corp/api/v3', 'https://ghe.corp/api/v3/']) {
    t.notOk(isGitHubDotCom(url));
    t.equal(githubApiUrl(url), 'https://ghe.corp/api/v3', `${url}: API`);
    t.equal(githubWebUrl(url), 'https://ghe.corp', `${url}: web`);
    const f = github(url);
    t.teardown(() => f.close());
    t.equal(f.displayName, 'GitHub Enterprise');
    t.equal(f.client.url('/orgs/acme').href, 'https://ghe.corp/api/v3/orgs/acme');
    t.equal(f.oauth?.authorizeUrl, 'https://ghe.corp/login/oauth/authorize');
  }
  // Hosts that merely contain github.com are Enterprise servers.
  for (const url of ['https://github.com.evil.example', 'https://mygithub.com', 'https://github.corp.example']) {
    t.notOk(isGitHubDotCom(url), url);
    t.equal(githubApiUrl(url), `${url}/api/v3`);
    t.equal(githubDisplayName(url), 'GitHub Enterprise');
  }
});

t.test('gitlab.com in every spelling: API https://gitlab.com/api/v4, OAuth on https://gitlab.com, "GitLab"', async (t) => {
  for (const url of ['https://gitlab.com', 'https://gitlab.com/', 'https://gitlab.com//', 'https://www.gitlab.com', 'http://gitlab.com', 'https://GitLab.com', 'https://gitlab.com/api/v4', 'https://gitlab.com/api/v4/']) {
    t.ok(isGitLabDotCom(url), `${url} is gitlab.com`);
    t.equal(gitlabWebUrl(url), 'https://gitlab.com', `${url}: web`);
    t.equal(gitlabApiUrl(url), 'https://gitlab.com/api/v4', `${url}: API`);
    const f = gitlab(url);
    t.teardown(() => f.close());
    t.equal(f.apiUrl, 'https://gitlab.com/api/v4');
    t.equal(f.client.url('/groups/42/members/all').href, 'https://gitlab.com/api/v4/groups/42/members/all');
    t.equal(f.displayName, 'GitLab');
    t.equal(f.oauth?.authorizeUrl, 'https://gitlab.com/oauth/authorize');
    t.equal(f.oauth?.tokenUrl, 'https://gitlab.com/oauth/token');
  }
  const viaApiUrl = gitlab('https://gitlab.com', { api_url: 'http://127.0.0.1:9/api/v4/' });
  t.teardown(() => viaApiUrl.close());
  t.equal(viaApiUrl.apiUrl, 'http://127.0.0.1:9/api/v4', 'api_url wins for the API');
  t.equal(viaApiUrl.oauth?.authorizeUrl, 'https://gitlab.com/oauth/authorize', 'OAuth stays on gitlab.com');
});

t.test('self-managed GitLab: the relative root is kept, a pasted /api/v4 dropped', async (t) => {
  for (const url of ['https://git.corp/gitlab', 'https://git.corp/gitlab/', 'https://git.corp/gitlab/api/v4']) {
    t.notOk(isGitLabDotCom(url));
    t.equal(gitlabWebUrl(url), 'https://git.corp/gitlab');
    t.equal(gitlabApiUrl(url), 'https://git.corp/gitlab/api/v4');
    const f = gitlab(url);
    t.teardown(() => f.close());
    t.equal(f.oauth?.authorizeUrl, 'https://git.corp/gitlab/oauth/authorize');
  }
  t.notOk(isGitLabDotCom('https://gitlab.com.evil.example'));
  t.equal(gitlabApiUrl('https://gitlab.corp.example'), 'https://gitlab.corp.example/api/v4');
});
