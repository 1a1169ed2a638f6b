// vcs.denied_networks and vcs.connect_timeout_seconds through the real CLI: with the default list
// a loopback URL is refused at add (plainly, nothing stored, no request made) and before every
// later fetch; an address that never answers fails in the connect timeout for git, hg and svn
// over each network transport, not in the (much longer) transfer timeout.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPackyard, type TestPackyard } from '../../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startGitHttpServer } from '../../helpers/git-http-server.js';
import { startBlackhole } from '../../helpers/blackhole.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

async function lastError(pky: TestPackyard, name: string): Promise<{ code: string | null; message: string }> {
  const r = await pky.cli(['package', 'show', '--org', 'acme', name, '--json']);
  const d = JSON.parse(r.stdout) as { package: { lastError: string | null; lastErrorCode: string | null } };
  return { code: d.package.lastErrorCode, message: d.package.lastError ?? '' };
}

t.test('the default list refuses loopback at add and before every fetch', async (t) => {
  const work = await makeTempDir('pky-denied-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': json({ name: 'acme/widget' }) }, 'first');
  await repo.tag('1.0.0');
  await repo.publishBare(join(work, 'http', 'widget.git'), 'main');
  const http = await startGitHttpServer({ root: join(work, 'http'), username: 'u', password: 'p' });
  t.teardown(() => http.close());
  const pky = await startPackyard(t, { listen: false, deniedNetworks: 'default' });
  t.equal((await pky.cli(['org', 'create', 'acme'])).code, 0);

  for (const [url, host, address] of [
    [`http://127.0.0.1:${http.port}/widget.git`, '127.0.0.1', '127.0.0.1'],
    [`http://localhost:${http.port}/widget.git`, 'localhost', '127.0.0.1'],
    [`git://[::ffff:127.0.0.1]:${http.port}/widget.git`, '::ffff:7f00:1', '::ffff:7f00:1'],
  ] as const) {
    const r = await pky.cli(['package', 'add', '--org', 'acme', url]);
    t.equal(r.code, 1, `${url} refused`);
    t.equal(r.stderr.trim(), `packyard: Refused: ${host} resolves to ${address}, which is in vcs.denied_networks (127.0.0.0/8). An admin can change the list.`);
  }
  t.equal(http.requests.length, 0, 'no request reached the server');
  t.equal((await pky.cli(['package', 'show', '--org', 'acme', `http://127.0.0.1:${http.port}/widget.git`])).code, 1, 'nothing was stored');
  const local = await createGitRepo(join(work, 'local'), { defaultBranch: 'main' });
  await local.commit({ 'composer.json': json({ name: 'acme/local' }) }, 'first');
  const localBare = await local.publishBare(join(work, 'local.git'), 'main');
  t.equal((await pky.cli(['package', 'add', '--org', 'acme', localBare])).code, 0, 'a local path reaches no network and is not checked');

  // Added while the list was empty; the admin then restores the default: the next update is refused.
  const config = readFileSync(pky.configFile, 'utf8');
  writeFileSync(pky.configFile, config.replace('vcs:\n', 'vcs:\n  denied_networks: []\n'));
  const url = `http://127.0.0.1:${http.port}/widget.git`;
  t.equal((await pky.cli(['credential', 'add', '--org', 'acme', 'web', '--type', 'http-basic', '--username', 'u', '--password-stdin'], { stdin: 'p\n' })).code, 0);
  const added = await pky.cli(['package', 'add', '--org', 'acme', url, '--credential', 'web']);
  t.equal(added.code, 0, `added with an empty list: ${added.stderr}`);
  const before = http.requests.length;
  writeFileSync(pky.configFile, config);
  const refused = await pky.cli(['package', 'update', '--org', 'acme', url, '--force']);
  t.equal(refused.code, 1);
  const err = await lastError(pky, url);
  t.equal(err.code, 'VCS_URL_DENIED');
  t.equal(err.message, 'Refused: 127.0.0.1 resolves to 127.0.0.1, which is in vcs.denied_networks (127.0.0.0/8). An admin can change the list.');
  t.equal(http.requests.length, before, 'the refused update made no request');
});

t.test('an address that never answers fails in about vcs.connect_timeout_seconds, for every VCS and transport', async (t) => {
  const hole = await startBlackhole();
  t.teardown(() => hole.close());
  const pky = await startPackyard(t, { listen: false, vcsTimeoutSeconds: 600, connectTimeoutSeconds: 1 });
  t.equal((await pky.cli(['org', 'create', 'acme'])).code, 0);
  const cases: [string, string][] = [
    ['git', `git://127.0.0.1:${hole.port}/x.git`],
    ['git', `http://127.0.0.1:${hole.port}/x.git`],
    ['git', `ssh://git@127.0.0.1:${hole.port}/x.git`],
    ['hg', `http://127.0.0.1:${hole.port}/hg-x`],
    ['hg', `ssh://hg@127.0.0.1:${hole.port}/hg-ssh`],
    ['svn', `svn://127.0.0.1:${hole.port}/svn-x`],
    ['svn', `http://127.0.0.1:${hole.port}/svn-http`],
    ['svn', `svn+ssh://svn@127.0.0.1:${hole.port}/svn-ssh`],
  ];
  // The cases run at once (each waits out its own connect timeout); their results are checked in order.
  const results = await Promise.all(cases.map(async ([type, url]) => {
    const r = await pky.cli(['package', 'add', '--org', 'acme', '--type', type, url]);
    return { r, err: await lastError(pky, url) };
  }));
  for (const [i, [type, url]] of cases.entries()) {
    const { r, err } = results[i]!;
    t.equal(r.code, 1, `${type} ${url} fails`);
    t.equal(err.code, 'VCS_TIMEOUT', `${type} ${url}`);
    t.match(err.message, `Could not connect to 127.0.0.1:${hole.port} for ${url} within 1000 ms (vcs.connect_timeout_seconds)`);
  }
});
