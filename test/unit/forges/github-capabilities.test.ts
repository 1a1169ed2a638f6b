// The GitHub forge's optional capabilities as declared: its display name, the OAuth capability
// only with an OAuth app configured (endpoints under the web URL, path prefix kept, scopes, PKCE,
// the client, allow_signup=false, the ca_file for the token request) and the webhooks capability.
import t from 'tap';
import { createGitHubForge } from '../../../src/forges/github/index.js';
import type { GitHubIntegrationConfig as IntegrationConfig } from '../../../src/forges/config.js';

const make = (c: Partial<IntegrationConfig>, readFile?: (p: string) => string) => {
  const f = createGitHubForge({ id: 'ghe', type: 'github', url: 'https://ghe.example', token: 't', ...c } as IntegrationConfig, readFile ? { readFile } : {});
  t.teardown(() => f.close());
  return f;
};

t.test('display name', async (t) => {
  t.equal(make({ url: 'https://github.com' }).displayName, 'GitHub');
  t.equal(make({ url: 'https://github.com/' }).displayName, 'GitHub');
  t.equal(make({ url: 'https://ghe.example' }).displayName, 'GitHub Enterprise');
  t.equal(make({ url: 'https://github.com.evil.example' }).displayName, 'GitHub Enterprise');
});

t.test('oauth: only with an OAuth app, from the web URL', async (t) => {
  t.equal(make({}).oauth, undefined, 'no oauth app: no sign-in');
  const gh = make({ url: 'https://github.com', oauth: { client_id: 'cid', client_secret: 'csecret' } }).oauth;
  t.match(gh, {
    authorizeUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    scopes: ['read:user', 'read:org'],
    pkce: true,
    clientId: 'cid',
    clientSecret: 'csecret',
    authorizeParams: { allow_signup: 'false' },
  });
  t.equal(gh?.ca, undefined);
  const ghe = make({ url: 'https://ghe.example/prefix/', ca_file: '/etc/ghe-ca.pem', oauth: { client_id: 'a', client_secret: 'b' } }, () => 'PEM').oauth;
  t.equal(ghe?.authorizeUrl, 'https://ghe.example/prefix/login/oauth/authorize', 'a path prefix is kept');
  t.equal(ghe?.tokenUrl, 'https://ghe.example/prefix/login/oauth/access_token');
  t.equal(ghe?.ca, 'PEM', 'the ca_file applies to the token request');
});

t.test('webhooks: always offered (one org hook)', async (t) => {
  t.type(make({}).webhooks.ensureWebhooks, 'function');
});
