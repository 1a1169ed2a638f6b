// A credential goes only to the hosts it is bound to, also when the server redirects: a loopback
// server answers 302 to a second one on another port that records the Authorization header it
// gets. git and hg must send it nothing; svn and ssh refuse an unbound URL before running. A
// Bearer credential (an extra header git sends with every request) is never redirected at all.
import t from 'tap';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AppError } from '../../../src/domain/errors.js';
import { createGitDriver } from '../../../src/vcs/git.js';
import { createHgDriver } from '../../../src/vcs/hg.js';
import { createSvnDriver } from '../../../src/vcs/svn.js';
import type { DriverOptions } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';

const PASSWORD = 'redirect-SECRET-pw';
const root = await makeTempDir('packyard-redirect-');
t.teardown(() => removeDir(root));

async function listen(handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { server, port: (server.address() as AddressInfo).port };
}

// The second server: asks for basic auth and records what it is sent.
const seen: { url: string; authorization: string | null }[] = [];
const target = await listen((req, res) => {
  seen.push({ url: req.url ?? '', authorization: req.headers.authorization ?? null });
  req.resume();
  res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="elsewhere"', 'Content-Type': 'text/plain' });
  res.end('authentication required\n');
});
// The package's server: redirects every request to the second one, same path.
const originSeen: (string | null)[] = [];
const origin = await listen((req, res) => {
  originSeen.push(req.headers.authorization ?? null);
  req.resume();
  res.writeHead(302, { Location: `http://127.0.0.1:${target.port}${req.url ?? '/'}` });
  res.end();
});
const originHost = `127.0.0.1:${origin.port}`;
const targetHost = `127.0.0.1:${target.port}`;

let n = 0;
function options(url: string, credentialHosts?: string[]): DriverOptions {
  n += 1;
  return {
    url,
    mirrorDir: join(root, 'mirrors', `m${n}`),
    tmpDir: join(root, 'tmp'),
    timeoutMs: 20_000,
    credential: { type: 'http-basic', username: 'ci', password: PASSWORD },
    credentialName: 'deploy',
    credentialHosts,
  };
}

const sentPassword = () => seen.some((s) => s.authorization !== null && Buffer.from(s.authorization.replace(/^Basic /, ''), 'base64').toString().includes(PASSWORD));

t.test('git: a redirect to another host gets no credentials', async (t) => {
  seen.length = 0;
  const driver = createGitDriver(options(`http://${originHost}/pkg.git`, [originHost]));
  await t.rejects(driver.listRemote(), { code: 'VCS_AUTH_FAILED' });
  t.ok(seen.length > 0, 'git followed the redirect (the test would see a leak)');
  t.same(seen.map((s) => s.authorization), seen.map(() => null), 'the other host received no Authorization header');
});

t.test('git: the same redirect to a host the credential is bound to gets it (the check above is sensitive)', async (t) => {
  seen.length = 0;
  const driver = createGitDriver(options(`http://${originHost}/pkg.git`, [originHost, targetHost]));
  await t.rejects(driver.listRemote(), { code: 'VCS_AUTH_FAILED' });
  t.ok(sentPassword(), 'bound: the helper answered for it');
});

t.test('git: a server that takes the credential and then redirects does not pass it on', async (t) => {
  // Asks for auth first, then redirects the authenticated request: curl must not replay the
  // Authorization header to the other host, and git's helper is not asked for it.
  const authThenRedirect = await listen((req, res) => {
    req.resume();
    if (req.headers.authorization === undefined) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="origin"' });
      res.end();
      return;
    }
    res.writeHead(302, { Location: `http://127.0.0.1:${target.port}${req.url ?? '/'}` });
    res.end();
  });
  seen.length = 0;
  const host = `127.0.0.1:${authThenRedirect.port}`;
  const driver = createGitDriver(options(`http://${host}/pkg.git`, [host]));
  await t.rejects(driver.listRemote());
  t.ok(seen.length > 0, 'git followed the redirect');
  t.notOk(sentPassword(), 'the other host received no password');
});

t.test('hg: the [auth] entry matches the package URL host only, so a redirect gets nothing', async (t) => {
  seen.length = 0;
  const driver = createHgDriver(options(`http://${originHost}/repo`, [originHost, targetHost]));
  await t.rejects(driver.listRemote());
  t.ok(seen.length > 0, 'hg followed the redirect');
  t.notOk(sentPassword(), 'the other host received no password');
});

t.test('a URL whose host is not bound: the driver refuses before any command runs (git, hg, svn, ssh)', async (t) => {
  seen.length = 0;
  for (const [make, url] of [
    [createGitDriver, `http://${targetHost}/pkg.git`],
    [createHgDriver, `http://${targetHost}/repo`],
    [createSvnDriver, `http://${targetHost}/svn/repo`],
    [createSvnDriver, `svn://${targetHost}/repo`],
    [createGitDriver, `ssh://git@${targetHost}/pkg.git`],
  ] as const) {
    const opts = options(url, [originHost]);
    if (url.startsWith('ssh:')) opts.credential = { type: 'ssh-key', privateKey: 'unused' };
    const e = t.throws(() => make(opts)) as AppError;
    t.equal(e.code, 'CREDENTIAL_HOST_MISMATCH', url);
    t.match(e.message, new RegExp(`^Credential "deploy" is bound to ${originHost.replace(/\./g, '\\.')}, not to ${targetHost.replace(/\./g, '\\.')}`));
    t.match(e.message, /packyard credential update --org ORG deploy --host /);
  }
  t.equal(seen.length, 0, 'nothing reached the server');
});

t.test('git with a Bearer credential: no redirect is followed, even to a bound host; a clear error', async (t) => {
  const BEARER = 'redirect-BEARER-token';
  for (const hosts of [[originHost], [originHost, targetHost]]) {
    seen.length = 0;
    originSeen.length = 0;
    const opts = options(`http://${originHost}/pkg.git`, hosts);
    opts.credential = { type: 'http-bearer', token: BEARER };
    const driver = createGitDriver(opts);
    const e = (await driver.listRemote().catch((x: unknown) => x)) as AppError;
    t.equal(e.code, 'VCS_ERROR', hosts.join(' '));
    t.match(e.message, /answered with a redirect \(HTTP 302\), which is not followed \(with a Bearer token no redirect is followed.*give the package the URL the server redirects to/);
    t.notOk(e.message.includes(BEARER), 'the token is not in the message');
    t.same(originSeen, [`Bearer ${BEARER}`], 'the package host got the header (the check below is sensitive)');
    t.same(seen, [], 'the other host received nothing at all');
  }
  // hg and svn refuse it before anything is sent.
  seen.length = 0;
  originSeen.length = 0;
  for (const [make, url] of [
    [createHgDriver, `http://${originHost}/repo`],
    [createSvnDriver, `http://${originHost}/svn/repo`],
  ] as const) {
    const opts = options(url, [originHost]);
    opts.credential = { type: 'http-bearer', token: BEARER };
    const driver = make(opts);
    await t.rejects(driver.listRemote(), { code: 'CREDENTIAL_INVALID', message: /HTTP Bearer token/ }, url);
  }
  t.same([seen, originSeen], [[], []], 'nothing reached either server');
});
