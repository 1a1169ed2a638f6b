// Which repository URLs Packyard hands to a VCS client, and how URLs are shown.
import t from 'tap';
import { AppError } from '../../../src/domain/errors.js';
import { checkRepositoryUrl, networkTargetOf, redactUrl, redactUrlsInText } from '../../../src/vcs/url.js';

const ALL = ['https', 'http', 'ssh', 'git', 'svn'] as const;
const remoteOnly = { allowLocalPaths: false, allowedProtocols: ALL as readonly string[] };
const withLocal = { allowLocalPaths: true, allowedProtocols: ALL as readonly string[] };

t.test('accepted URLs', async (t) => {
  const cases: Array<[string, ReturnType<typeof checkRepositoryUrl>, typeof remoteOnly]> = [
    ['https://github.example/acme/widget.git', { kind: 'remote', protocol: 'https' }, remoteOnly],
    ['HTTPS://github.example/acme/widget', { kind: 'remote', protocol: 'https' }, remoteOnly],
    ['http://127.0.0.1:8080/repo.git', { kind: 'remote', protocol: 'http' }, remoteOnly],
    ['https://[::1]:8443/repo.git', { kind: 'remote', protocol: 'https' }, remoteOnly],
    ['ssh://git@github.example:2222/acme/widget.git', { kind: 'remote', protocol: 'ssh' }, remoteOnly],
    ['ssh://github.example/acme/widget.git', { kind: 'remote', protocol: 'ssh' }, remoteOnly],
    ['git+ssh://git@host/acme/widget.git', { kind: 'remote', protocol: 'ssh' }, remoteOnly],
    ['git@github.example:acme/widget.git', { kind: 'remote', protocol: 'ssh' }, remoteOnly],
    ['github.example:acme/widget.git', { kind: 'remote', protocol: 'ssh' }, remoteOnly],
    ['git://git.example/widget.git', { kind: 'remote', protocol: 'git' }, remoteOnly],
    ['svn://svn.example/repo/trunk', { kind: 'remote', protocol: 'svn' }, remoteOnly],
    ['svn+ssh://user@svn.example/repo', { kind: 'remote', protocol: 'svn+ssh' }, remoteOnly],
    ['/srv/git/widget.git', { kind: 'local', path: '/srv/git/widget.git' }, withLocal],
    ['file:///srv/git/widget.git', { kind: 'local', path: '/srv/git/widget.git' }, withLocal],
    ['file://localhost/srv/git/a%20b.git', { kind: 'local', path: '/srv/git/a b.git' }, withLocal],
  ];
  for (const [url, expected, policy] of cases) {
    t.same(checkRepositoryUrl(url, policy), expected, url);
  }
});

t.test('refused URLs name the URL and the reason', async (t) => {
  const cases: Array<[string, RegExp, typeof remoteOnly]> = [
    ['ext::sh -c touch% /tmp/pwned', /whitespace|transport/, remoteOnly],
    ['ext::ssh', /transport helper/, remoteOnly],
    ['fd::17', /transport helper/, remoteOnly],
    ['https::https://example/x', /transport helper/, remoteOnly],
    ['-uhttps://example/x', /starts with "-"/, remoteOnly],
    ['--upload-pack=touch /tmp/x', /whitespace|starts with "-"/, remoteOnly],
    ['https://example/x y', /whitespace/, remoteOnly],
    ['https://example/x\ny', /whitespace or control/, remoteOnly],
    ['https://example/x\u0000', /control/, remoteOnly],
    ['https://example/x%0a', /percent-encoded control/, remoteOnly],
    ['https://user:secret@example/x.git', /password/, remoteOnly],
    ['ssh://git:secret@example/x.git', /password/, remoteOnly],
    ['https://ghp_token@example/x.git', /user name in a https URL/, remoteOnly],
    ['ssh://-oProxyCommand=x/repo', /host must not start/, remoteOnly],
    ['-oProxyCommand=x:repo', /starts with "-"/, remoteOnly],
    ['ftp://example/x.git', /"ftp" is not supported/, remoteOnly],
    ['/srv/git/widget.git', /local paths are disabled/, remoteOnly],
    ['file:///srv/git/widget.git', /local paths are disabled/, remoteOnly],
    ['file://otherhost/srv/x.git', /must not name a host/, withLocal],
    ['relative/path.git', /relative paths/, withLocal],
    ['./repo', /relative paths/, withLocal],
    ['', /empty/, withLocal],
    ['host:', /no repository path/, remoteOnly],
    ['http://example/x.git', /"http" is not in vcs.allowed_protocols/, { allowLocalPaths: false, allowedProtocols: ['https'] }],
    ['git@example:x.git', /"ssh" is not in/, { allowLocalPaths: false, allowedProtocols: ['https'] }],
  ];
  for (const [url, reason, policy] of cases) {
    let error: unknown;
    try {
      checkRepositoryUrl(url, policy);
    } catch (e) {
      error = e;
    }
    t.ok(error instanceof AppError, `${JSON.stringify(url)} is refused`);
    if (error instanceof AppError) {
      t.equal(error.code, 'URL_NOT_ALLOWED', `${JSON.stringify(url)} code`);
      t.match(error.message, reason, `${JSON.stringify(url)} reason`);
      t.notMatch(error.message, /secret/, `${JSON.stringify(url)} message hides the password`);
    }
  }
});

t.test('redactUrl strips the password only', async (t) => {
  t.equal(redactUrl('https://user:secret@example/x.git'), 'https://user@example/x.git');
  t.equal(redactUrl('https://user:p@ss@example/x.git?a=b'), 'https://user@example/x.git?a=b');
  t.equal(redactUrl('ssh://git@example/x.git'), 'ssh://git@example/x.git');
  t.equal(redactUrl('git@example:x.git'), 'git@example:x.git');
  t.equal(redactUrl('https://example/a@b'), 'https://example/a@b');
  t.equal(redactUrl('/srv/x.git'), '/srv/x.git');
  t.equal(
    redactUrlsInText("fatal: unable to access 'https://u:tok@h/x.git/': 403"),
    "fatal: unable to access 'https://u@h/x.git/': 403",
  );
});

t.test('networkTargetOf: the host and port a URL connects to', async (t) => {
  t.same(networkTargetOf('https://git.example/x.git'), { host: 'git.example', port: 443 });
  t.same(networkTargetOf('http://git.example:8080/x.git'), { host: 'git.example', port: 8080 });
  t.same(networkTargetOf('git://[::1]/x.git'), { host: '::1', port: 9418 });
  t.same(networkTargetOf('svn://svn.example/repo'), { host: 'svn.example', port: 3690 });
  t.same(networkTargetOf('svn+ssh://u@svn.example/repo'), { host: 'svn.example', port: 22 });
  t.same(networkTargetOf('git+ssh://git@h.example:2222/x.git'), { host: 'h.example', port: 2222 });
  t.same(networkTargetOf('git@h.example:acme/x.git'), { host: 'h.example', port: 22 });
  t.equal(networkTargetOf('file:///srv/x.git'), null);
  t.equal(networkTargetOf('/srv/x.git'), null);
});

t.test('query strings and fragments are refused without echoing them: use a credential', async (t) => {
  const policy = { allowLocalPaths: false, allowedProtocols: ['https', 'http', 'ssh', 'git', 'svn'] };
  for (const [url, marker] of [
    ['https://git.example/x.git?access_token=ghp_SECRET123', '?'],
    ['http://git.example/x.git?private_token=SECRET123&a=b', '?'],
    ['https://git.example/x.git#SECRET123', '#'],
    ['https://git.example/x.git?', '?'],
    ['svn://svn.example/repo?SECRET123', '?'],
  ] as const) {
    const e = t.throws(() => checkRepositoryUrl(url, policy)) as Error & { code: string; details: { url: string } };
    t.equal(e.code, 'URL_NOT_ALLOWED', url);
    t.notMatch(e.message, /SECRET123|private_token/, 'the value is never echoed');
    t.notMatch(JSON.stringify(e.details), /SECRET123/);
    t.match(e.message, marker === '?' ? /may not carry a query string \(\?access_token=…\)/ : /may not carry a fragment/);
    t.match(e.message, /use a credential \(packyard credential add\) instead\.$/);
    t.match(e.message, /^Repository URL "[a-z]+:\/\/[a-z.]+\/[a-z.]+[?#]…" is not allowed/);
  }
  t.notMatch((t.throws(() => checkRepositoryUrl('ftp://git.example/x?SECRET123', policy)) as Error).message, /SECRET123/, 'other refusals drop the query too');
});
