// Credentials bound to hosts: one normal form for --host values and URLs, and the driver's check
// that a URL's host is bound before any secret is handed out.
import t from 'tap';
import { credentialForUrl, hostIsBound, normalizeHostList, normalizeHostSpec, urlHost } from '../../../src/vcs/credential-hosts.js';

t.test('URL hosts: lowercase, IPv6 in brackets, a port only when not the scheme default', async (t) => {
  t.match(urlHost('https://Git.Example/team/x.git'), { scheme: 'https', host: 'git.example', port: 443, normal: 'git.example' });
  t.match(urlHost('https://git.example:443/x'), { normal: 'git.example', port: 443 });
  t.match(urlHost('http://git.example:8080/x'), { normal: 'git.example:8080', authority: 'git.example:8080' });
  t.match(urlHost('http://[::1]:8080/x'), { host: '[::1]', normal: '[::1]:8080' });
  t.match(urlHost('ssh://git@git.example:2222/x.git'), { scheme: 'ssh', normal: 'git.example:2222', authority: 'git.example:2222' });
  t.match(urlHost('git@Git.Example:team/x.git'), { scheme: 'ssh', normal: 'git.example', port: 22 });
  t.match(urlHost('svn://svn.example/repo'), { scheme: 'svn', port: 3690, normal: 'svn.example' });
  t.match(urlHost('svn+ssh://svn.example:2200/repo'), { normal: 'svn.example:2200' });
  t.equal(urlHost('/srv/repo.git'), null);
  t.equal(urlHost('file:///srv/repo.git'), null);
});

t.test('--host values: HOST, HOST:PORT, [IPv6]:PORT or a URL; anything else is refused', async (t) => {
  t.equal(normalizeHostSpec('Git.Example'), 'git.example');
  t.equal(normalizeHostSpec('git.example:8443'), 'git.example:8443');
  t.equal(normalizeHostSpec('[::1]:8080'), '[::1]:8080');
  t.equal(normalizeHostSpec('::1'), '[::1]');
  t.equal(normalizeHostSpec('https://git.example/team/x.git'), 'git.example');
  t.same(normalizeHostList(['a.example', 'A.example', 'b.example:22']), ['a.example', 'b.example:22']);
  for (const bad of ['', 'a b', 'git.example:0', 'git.example:99999', 'user@git.example', 'git.example/x', '-x']) {
    t.throws(() => normalizeHostSpec(bad), { code: 'BAD_REQUEST' }, bad);
  }
});

t.test('a bound entry without a port is the default port; with a port, that port only', async (t) => {
  const https = urlHost('https://git.example/x') as NonNullable<ReturnType<typeof urlHost>>;
  t.ok(hostIsBound(https, ['git.example']));
  t.ok(hostIsBound(https, ['git.example:443']));
  t.notOk(hostIsBound(https, ['git.example:8443']));
  t.notOk(hostIsBound(https, ['other.example']));
  const alt = urlHost('https://git.example:8443/x') as NonNullable<ReturnType<typeof urlHost>>;
  t.notOk(hostIsBound(alt, ['git.example']));
  t.ok(hostIsBound(alt, ['git.example:8443']));
});

t.test('drivers get the credential only for a bound host', async (t) => {
  const credential = { type: 'token' as const, token: 'tok' };
  t.equal(credentialForUrl({ url: 'https://git.example/x', credential, credentialHosts: ['git.example'] }).credential, credential);
  t.same(credentialForUrl({ url: 'https://git.example/x', credential }).hosts, ['git.example'], 'absent: the URL host only');
  t.equal(credentialForUrl({ url: '/srv/x.git', credential, credentialHosts: [] }).credential, credential, 'local paths: no host');
  const e = t.throws(() => credentialForUrl({ url: 'http://evil.example:8080/x', credential, credentialName: 'deploy', credentialHosts: ['git.example'] }));
  t.match(e, {
    code: 'CREDENTIAL_HOST_MISMATCH',
    message: /^Credential "deploy" is bound to git\.example, not to evil\.example:8080, so it is not sent there\. .*credential update --org ORG deploy --host git\.example --host evil\.example:8080\.$/,
    details: { credential: 'deploy', host: 'evil.example:8080', hosts: ['git.example'] },
  });
  t.throws(() => credentialForUrl({ url: 'git@git.example:x.git', credential, credentialHosts: [] }), { code: 'CREDENTIAL_HOST_MISMATCH' }, 'no hosts: nothing');
});
