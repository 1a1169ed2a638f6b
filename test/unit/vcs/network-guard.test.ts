// vcs.denied_networks and the connect timeout at the network's edge: every address of a host is
// checked (literal IPs, localhost, scp-like ssh, IPv4-mapped IPv6), refusals say so plainly, an
// address that never answers fails in about the connect timeout, and failed hosts are remembered.
import t from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { DEFAULT_DENIED_NETWORKS } from '../../../src/config/schema.js';
import { isAppError } from '../../../src/domain/errors.js';
import { NetworkGuard } from '../../../src/vcs/network-guard.js';
import { startBlackhole } from '../../helpers/blackhole.js';
import { freePort } from '../../helpers/net.js';

const names: Record<string, string[]> = {
  'git.intranet.example': ['10.1.2.3'],
  'sneaky.example': ['10.1.2.3', '169.254.169.254'],
  'six.example': ['2001:db8::7', '::ffff:127.0.0.1'],
};
const resolve = async (host: string): Promise<string[]> => {
  const a = names[host];
  if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return a;
};
const guard = (opts: Partial<ConstructorParameters<typeof NetworkGuard>[0]> = {}) =>
  new NetworkGuard({ deniedNetworks: DEFAULT_DENIED_NETWORKS, connectTimeoutMs: 1000, resolve, ...opts });

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  return { code: 'none', message: '' };
}

t.test('the default list refuses loopback, link-local and metadata addresses, whatever the URL form', async (t) => {
  const g = guard();
  const cases: [string, string, string][] = [
    ['https://127.0.0.1/x.git', '127.0.0.1', '127.0.0.0/8'],
    ['http://localhost:8080/x.git', '127.0.0.1', '127.0.0.0/8'],
    ['git@127.0.0.2:acme/x.git', '127.0.0.2', '127.0.0.0/8'],
    ['ssh://git@[::1]:2222/x.git', '::1', '::1/128'],
    ['svn://169.254.169.254/repo', '169.254.169.254', '169.254.0.0/16'],
    ['http://[::ffff:127.0.0.1]/x', '::ffff:7f00:1', '127.0.0.0/8'],
    ['https://sneaky.example/x.git', '169.254.169.254', '169.254.0.0/16'],
    ['https://six.example/x.git', '::ffff:127.0.0.1', '127.0.0.0/8'],
    ['svn+ssh://0.0.0.0/repo', '0.0.0.0', '0.0.0.0/8'],
  ];
  for (const [url, address, net] of cases) {
    const r = await refusal(g.check(url));
    t.equal(r.code, 'VCS_URL_DENIED', url);
    const host = url.includes('six.example') ? 'six.example' : url.includes('sneaky') ? 'sneaky.example' : r.message.split(' ')[1];
    t.equal(r.message, `Refused: ${host} resolves to ${address}, which is in vcs.denied_networks (${net}). An admin can change the list.`, url);
  }
  t.same(await g.check('https://git.intranet.example/x.git'), { host: 'git.intranet.example', port: 443, addresses: ['10.1.2.3'] });
  t.same(await g.check('git@git.intranet.example:x.git'), { host: 'git.intranet.example', port: 22, addresses: ['10.1.2.3'] });
  t.equal(await g.check('file:///srv/x.git'), null, 'file:// reaches no network');
  t.equal(await g.check('/srv/x.git'), null, 'a local path reaches no network');
});

t.test('an unresolvable host: refused before a fetch, allowed when a package is added', async (t) => {
  const g = guard();
  const r = await refusal(g.check('https://nowhere.example/x.git'));
  t.equal(r.code, 'VCS_ERROR');
  t.match(r.message, 'Could not resolve the host nowhere.example of https://nowhere.example/x.git (ENOTFOUND)');
  t.same(await g.check('https://nowhere.example/x.git', { unresolved: 'allow' }), { host: 'nowhere.example', port: 443, addresses: [] });
});

t.test('an admin may empty the list or add private ranges', async (t) => {
  t.ok(await guard({ deniedNetworks: [] }).check('http://127.0.0.1:9/x.git'));
  const r = await refusal(guard({ deniedNetworks: ['10.0.0.0/8'] }).check('https://git.intranet.example/x.git'));
  t.equal(r.message, 'Refused: git.intranet.example resolves to 10.1.2.3, which is in vcs.denied_networks (10.0.0.0/8). An admin can change the list.');
});

t.test('reach: a blackholed address fails in about the connect timeout; a closed port says refused; failures are remembered', async (t) => {
  const hole = await startBlackhole();
  t.teardown(() => hole.close());
  const open = createServer((s) => s.destroy());
  await new Promise<void>((r) => open.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => open.close(() => r())));
  const openPort = (open.address() as AddressInfo).port;
  const closedPort = await freePort();
  let clock = 1_000_000;
  const g = guard({ deniedNetworks: [], connectTimeoutMs: 1000, now: () => clock, failingBackoffMs: { first: 30_000, max: 120_000 } });

  const url = `http://127.0.0.1:${hole.port}/x.git`;
  const started = Date.now();
  const r = await refusal(g.reach(url));
  const took = Date.now() - started;
  t.equal(r.code, 'VCS_TIMEOUT');
  t.equal(r.message, `Could not connect to 127.0.0.1:${hole.port} for ${url} within 1000 ms (vcs.connect_timeout_seconds); check the host name, port and network.`);
  t.ok(took >= 900 && took < 10_000, `failed after the connect timeout, not the transfer timeout (${took} ms)`);
  t.equal(g.failingUntil(url), clock + 30_000, 'the host is failing for 30 s');
  t.equal(g.failingUntil(`git://127.0.0.1:${hole.port}/other.git`), clock + 30_000, 'per host and port, any repository');
  t.equal(g.failingUntil(`http://127.0.0.1:${openPort}/x.git`), 0, 'other ports are not');
  await refusal(g.reach(url));
  t.equal(g.failingUntil(url), clock + 60_000, 'a second failure doubles the wait');
  clock += 61_000;
  t.equal(g.failingUntil(url), 0, 'the mark expires');

  const closed = await refusal(g.reach(`http://127.0.0.1:${closedPort}/x.git`));
  t.equal(closed.code, 'VCS_ERROR');
  t.match(closed.message, `Could not connect to 127.0.0.1:${closedPort} for http://127.0.0.1:${closedPort}/x.git (ECONNREFUSED)`);

  await g.reach(`http://127.0.0.1:${openPort}/x.git`);
  t.pass('an open port is reached');
});

t.test('reach gives up at once when its job is given up; a resolver that never answers times out', async (t) => {
  const hole = await startBlackhole();
  t.teardown(() => hole.close());
  const g = guard({ deniedNetworks: [], connectTimeoutMs: 60_000 });
  const url = `git://127.0.0.1:${hole.port}/x.git`;
  const abort = new AbortController();
  const pending = refusal(g.reach(url, abort.signal));
  abort.abort();
  const r = await pending;
  t.equal(r.code, 'VCS_ERROR');
  t.equal(r.message, `The connection to 127.0.0.1:${hole.port} for ${url} was given up.`);
  t.equal(g.failingUntil(url), 0, 'giving up is not the host failing');

  const silent = guard({ deniedNetworks: [], connectTimeoutMs: 200, resolve: () => new Promise<string[]>(() => undefined) });
  const dns = await refusal(silent.check('https://slow-dns.example/x.git'));
  t.equal(dns.code, 'VCS_ERROR');
  t.match(dns.message, 'Could not resolve the host slow-dns.example of https://slow-dns.example/x.git (ETIMEOUT)');
  t.same(await silent.check('https://slow-dns.example/x.git', { unresolved: 'allow' }), { host: 'slow-dns.example', port: 443, addresses: [] }, 'adding a package does not wait on DNS');
});
