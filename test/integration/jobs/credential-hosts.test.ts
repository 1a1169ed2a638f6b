// Credentials bound to hosts through the CLI and the update job, on a real data dir with a real
// git smart-HTTP server behind basic auth: binding on first attach, refusal for another host,
// `credential update --host`, the once-only binding of credentials from before hosts existed, and
// package URLs with a query string or svn:// without --type.
import t from 'tap';
import { join } from 'node:path';
import { startGitHttpServer } from '../../helpers/git-http-server.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startPackyard } from '../../helpers/packyard.js';
import { buildPackageFixture } from '../vcs/fixtures/package-repo.js';
import { updatePackage } from '../../../src/jobs/update-package.js';
import { FakeForge } from '../../fakes/forge.js';
import type { ForgeFactory } from '../../../src/sync/forges.js';

const PASSWORD = 'bound-SECRET-pw';

t.test('a credential is bound to the host of its first package and refused elsewhere', async (t) => {
  const root = await makeTempDir('pky-cred-hosts-');
  t.teardown(() => removeDir(root));
  await buildPackageFixture(root, 'widget.git');
  const served = join(root, 'served');
  const a = await startGitHttpServer({ root: served, username: 'ci', password: PASSWORD });
  t.teardown(() => a.close());
  const b = await startGitHttpServer({ root: served, username: 'ci', password: PASSWORD });
  t.teardown(() => b.close());
  const hostA = `127.0.0.1:${a.port}`;
  const hostB = `127.0.0.1:${b.port}`;

  const pky = await startPackyard(t, { listen: false });
  const sqlite = pky.deps.sqlite;
  t.equal((await pky.cli(['org', 'create', 'acme'])).code, 0);
  const add = await pky.cli(['credential', 'add', '--org', 'acme', 'web', '--type', 'http-basic', '--username', 'ci', '--password-stdin'], { stdin: PASSWORD });
  t.equal(add.code, 0, add.stderr);
  t.match(add.stderr, 'hosts: (none yet: the host of the first package it is attached to)');

  const first = await pky.cli(['package', 'add', '--org', 'acme', a.url('widget.git'), '--credential', 'web']);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, /acme\/widget: added/);
  const show = await pky.cli(['credential', 'show', '--org', 'acme', 'web']);
  t.match(show.stdout, `hosts: ${hostA}\n`, 'bound to the first package URL host');
  t.match(sqlite.prepare(`SELECT actor, details FROM audit_log WHERE action = 'credential.hosts' AND target = 'web'`).get(), { details: new RegExp(hostA.replace(/\./g, '\\.')) }, 'audited');

  // Another host (another port): refused when attached, nothing stored, nothing sent.
  b.requests.length = 0;
  const other = await pky.cli(['package', 'add', '--org', 'acme', b.url('widget.git'), '--credential', 'web']);
  t.equal(other.code, 1);
  t.match(other.stderr, `Credential "web" is bound to ${hostA}, not to ${hostB}, so it is not sent there.`);
  t.match(other.stderr, `packyard credential update --org acme web --host ${hostA} --host ${hostB}.`, 'the fix, with the org');
  t.equal(b.requests.length, 0, 'nothing reached the other host');
  t.notOk(sqlite.prepare('SELECT id FROM packages WHERE url = ?').get(b.url('widget.git')));

  // --host replaces the list: the first package's host is no longer bound, so its update fails.
  const rebind = await pky.cli(['credential', 'update', '--org', 'acme', 'web', '--host', hostB]);
  t.equal(rebind.code, 0, rebind.stderr);
  t.match((await pky.cli(['credential', 'list', '--org', 'acme'])).stdout, `hosts=${hostB}`);
  a.requests.length = 0;
  const refused = await pky.cli(['package', 'update', '--org', 'acme', 'acme/widget', '--force']);
  t.equal(refused.code, 1);
  t.match(refused.stdout, `Credential "web" is bound to ${hostB}, not to ${hostA}, so it is not sent there.`);
  t.equal(a.requests.filter((r) => r.user !== null).length, 0, 'the password never reached the unbound host');
  t.match(sqlite.prepare(`SELECT last_error_code AS code FROM packages WHERE name = 'acme/widget'`).get(), { code: 'CREDENTIAL_HOST_MISMATCH' });
  const both = await pky.cli(['credential', 'update', '--org', 'acme', 'web', '--host', hostA, '--host', hostB.toUpperCase()]);
  t.equal(both.code, 0, both.stderr);
  t.match(both.stderr, `hosts: ${hostA}, ${hostB}`, 'normalised');
  const again = await pky.cli(['package', 'update', '--org', 'acme', 'acme/widget', '--force']);
  t.equal(again.code, 0, again.stdout + again.stderr);
  const nothing = await pky.cli(['credential', 'update', '--org', 'acme', 'web']);
  t.equal(nothing.code, 1, 'update needs a secret or --host');
  const badHost = await pky.cli(['credential', 'update', '--org', 'acme', 'web', '--host', 'not a host']);
  t.equal(badHost.code, 1);
  t.match(badHost.stderr, '"not a host" is not a host');

  // Query strings are refused with the credential advice and never echoed; svn:// means svn.
  const query = await pky.cli(['package', 'add', '--org', 'acme', `${a.url('widget.git')}?access_token=tok-SECRET-1`]);
  t.equal(query.code, 1);
  t.match(query.stderr, 'package URLs may not carry a query string (?access_token=…): secrets in URLs are stored and published; use a credential (packyard credential add) instead.');
  t.notMatch(query.stderr, 'tok-SECRET-1');
  const svn = await pky.cli(['package', 'add', '--org', 'acme', 'svn://127.0.0.1:9/repo']);
  t.equal(svn.code, 1, 'nothing listens there');
  t.match(sqlite.prepare(`SELECT vcs_type AS type FROM packages WHERE url = 'svn://127.0.0.1:9/repo'`).get(), { type: 'svn' }, 'svn without --type');
  t.notMatch(svn.stdout, /git/, 'an svn error, not a git one');
  const conflict = await pky.cli(['package', 'add', '--org', 'acme', 'svn://127.0.0.1:9/other', '--type', 'git']);
  t.equal(conflict.code, 1);
  t.match(conflict.stderr, 'A svn:// URL is a Subversion repository, not git');
});

t.test('an upgrade binds credentials without hosts once to the hosts of the packages that use them', async (t) => {
  const root = await makeTempDir('pky-cred-upgrade-');
  t.teardown(() => removeDir(root));
  await buildPackageFixture(root, 'widget.git');
  const a = await startGitHttpServer({ root: join(root, 'served'), username: 'ci', password: PASSWORD });
  t.teardown(() => a.close());
  const hostA = `127.0.0.1:${a.port}`;

  const before = await startPackyard(t, { listen: false });
  t.equal((await before.cli(['org', 'create', 'acme'])).code, 0);
  t.equal((await before.cli(['credential', 'add', '--org', 'acme', 'web', '--type', 'http-basic', '--username', 'ci', '--password-stdin'], { stdin: PASSWORD })).code, 0);
  t.equal((await before.cli(['credential', 'add', '--org', 'acme', 'spare', '--type', 'token', '--token-stdin'], { stdin: 'tok-unused' })).code, 0);
  t.equal((await before.cli(['package', 'add', '--org', 'acme', a.url('widget.git'), '--credential', 'web'])).code, 0);
  // What migration 0007 leaves on a data dir from before: every credential with no hosts.
  before.deps.sqlite.prepare(`UPDATE credentials SET hosts = '[]'`).run();
  before.deps.sqlite.prepare(`DELETE FROM audit_log WHERE action = 'credential.hosts'`).run();
  await before.stop();

  const after = await startPackyard(t, { listen: false, reuseDir: before.dir });
  const hosts = after.deps.sqlite.prepare(`SELECT name, hosts FROM credentials ORDER BY name`).all();
  t.same(hosts, [{ name: 'spare', hosts: '[]' }, { name: 'web', hosts: JSON.stringify([hostA]) }], 'bound to its package host; an unused one waits for its first package');
  t.match(after.deps.sqlite.prepare(`SELECT actor FROM audit_log WHERE action = 'credential.hosts' AND target = 'web'`).all(), [{ actor: 'system:upgrade' }], 'audited once');
  const update = await after.cli(['package', 'update', '--org', 'acme', 'acme/widget', '--force']);
  t.equal(update.code, 0, 'updates keep working after the upgrade');
  t.equal(after.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'credential.hosts'`).get() && (after.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'credential.hosts'`).get() as { n: number }).n, 1, 'the CLI start-up did not bind it again');
});

t.test("an integration's token goes only to the integration's own hosts", async (t) => {
  const root = await makeTempDir('pky-cred-forge-');
  t.teardown(() => removeDir(root));
  await buildPackageFixture(root, 'widget.git');
  const elsewhere = await startGitHttpServer({ root: join(root, 'served'), username: 'x-access-token', password: 'forge-TOKEN-1' });
  t.teardown(() => elsewhere.close());
  const fake = new FakeForge({ org: { id: 'o1', login: 'acme' }, users: [] }, { integrationId: 'ghe' });
  fake.credential = { username: 'x-access-token', password: 'forge-TOKEN-1' };
  const stubForge: ForgeFactory = () => fake;
  const yaml = ['integrations:', '  - id: ghe', '    type: github', '    url: "https://github.example"', '    token: "unused"'].join('\n');
  const pky = await startPackyard(t, { listen: false, yaml, forgeFactory: stubForge });
  t.equal((await pky.cli(['org', 'create', 'acme'])).code, 0);
  const org = pky.deps.sqlite.prepare(`SELECT id FROM organizations WHERE name = 'acme'`).get() as { id: number };
  // A clone URL on another host than the integration's (as a forge listing could carry).
  const pkg = pky.deps.sqlite.prepare(
    `INSERT INTO packages (org_id, url, vcs_type, integration, status, created_at) VALUES (?, ?, 'git', 'ghe', 'new', ?) RETURNING id`,
  ).get(org.id, elsewhere.url('widget.git'), Date.now()) as { id: number };
  await t.rejects(updatePackage(pky.deps, pkg.id), {
    code: 'CREDENTIAL_HOST_MISMATCH',
    message: `The clone URL's host 127.0.0.1:${elsewhere.port} is not a host of integration "ghe" (github.example), so its token is not sent there. Set the integration's url or api_url to the forge's host.`,
  });
  t.equal(elsewhere.requests.length, 0, 'nothing reached the other host');
  // A Bearer code credential is bound the same way.
  fake.credential = { scheme: 'bearer', username: '', password: 'forge-TOKEN-1' };
  await t.rejects(updatePackage(pky.deps, pkg.id), { code: 'CREDENTIAL_HOST_MISMATCH', message: /is not a host of integration "ghe" \(github\.example\)/ }, 'bearer');
  t.equal(elsewhere.requests.length, 0, 'nothing reached the other host (bearer)');
  // A host the forge itself names (github.com for url: https://www.github.com) is bound too.
  fake.credential = { username: 'x-access-token', password: 'forge-TOKEN-1', hosts: [`127.0.0.1:${elsewhere.port}`] };
  await updatePackage(pky.deps, pkg.id);
  t.ok(elsewhere.requests.some((r) => r.user === 'x-access-token'), 'the token went to the host the forge named');
});
