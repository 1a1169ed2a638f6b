// Everything created can be removed, against a real server, the real CLI and a real git import:
// token list and revoke (the running server sees a CLI revoke on the next request), user disable,
// enable and delete, member removal, package removal with its dists' grace period and
// housekeeping, organization deletion. Every removal leaves an audit row.
import t from 'tap';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPackyard, type TestPackyard } from '../../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { HOUSEKEEPING } from '../../../src/jobs/housekeeping.js';
import { runOrWait } from '../../../src/jobs/wait.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;
const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`token:${token}`).toString('base64')}` });

async function setup(t: { teardown(fn: () => unknown): void }) {
  const work = await makeTempDir('pky-removals-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'foo'), { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': json({ name: 'acme/foo', require: { php: '>=8.1' } }) }, 'one');
  await repo.tag('v1.0.0');
  const pky = await startPackyard(t);
  const cli = async (args: string[]) => {
    const r = await pky.cli(args);
    if (r.code !== 0) throw new Error(`packyard ${args.join(' ')} failed: ${r.stderr}`);
    return r;
  };
  // Independent commands run at once (the CLI's transactions wait their turn on the database);
  // the organizations first, so acme is the first one.
  await cli(['org', 'create', 'acme']);
  await Promise.all([cli(['org', 'create', 'beta']), cli(['user', 'create', 'root', '--admin']), cli(['user', 'create', 'alice']), cli(['user', 'create', 'bob'])]);
  await Promise.all([cli(['org', 'member', 'add', 'acme', 'alice', '--role', 'owner']), cli(['org', 'member', 'add', 'acme', 'bob'])]);
  await cli(['package', 'add', '--org', 'acme', repo.dir]);
  return { pky, cli, repo };
}

const get = (pky: TestPackyard, url: string, headers: Record<string, string> = {}) => fetch(`${pky.url}${url}`, { headers });
const count = (pky: TestPackyard, sql: string) => (pky.deps.sqlite.prepare(sql).get() as { n: number }).n;
const audit = (pky: TestPackyard, action: string) =>
  pky.deps.sqlite.prepare(`SELECT actor, target, org_id AS orgId, details FROM audit_log WHERE action = ? ORDER BY id`).all(action) as
    { actor: string; target: string; orgId: number | null; details: string | null }[];

t.test('removals', async (t) => {
  const { pky, cli, repo } = await setup(t);

  await t.test('token list shows every token (user tokens without --org as "all orgs"), never the secret; revoke works on the next request', async (t) => {
    const [everywhere, ci, narrowed] = (
      await Promise.all([
        cli(['token', 'create', '--user', 'alice', '--name', 'laptop']),
        cli(['token', 'create', '--org', 'acme', '--name', 'ci']),
        cli(['token', 'create', '--user', 'bob', '--org', 'acme']),
      ])
    ).map((r) => r.stdout.trim()) as [string, string, string];
    const list = await cli(['token', 'list']);
    t.match(list.stdout, /^ID\tOWNER\tORG\tSCOPE\tNAME\tLAST USED\tSTATUS\n/);
    t.match(list.stdout, /\talice\tall orgs\tread\tlaptop\t-\tactive\n/, 'the --user token without --org is listed');
    t.match(list.stdout, /\torg acme\tacme\tread\tci\t/);
    t.match(list.stdout, /\tbob\tacme\tread\tbob @ acme\t/);
    for (const secret of [everywhere, ci, narrowed]) t.notOk(list.stdout.includes(secret.slice(6)), 'no secret in the listing');
    const [byOrg, byUser] = await Promise.all([cli(['token', 'list', '--org', 'acme']), cli(['token', 'list', '--user', 'alice'])]);
    t.notMatch(byOrg.stdout, /laptop/, '--org: the org\'s tokens and user tokens narrowed to it');
    t.match(byUser.stdout, /laptop/);
    t.notMatch(byUser.stdout, /\tci\t/);

    // The running server answers with the token, has it cached, then the CLI revokes it.
    t.equal((await get(pky, '/acme/packages.json', basic(everywhere))).status, 200);
    t.equal((await get(pky, '/acme/packages.json', basic(everywhere))).status, 200);
    const id = /^(\d+)\talice\tall orgs/m.exec(list.stdout)?.[1];
    t.ok(id);
    const revoked = await cli(['token', 'revoke', id as string]);
    t.match(revoked.stderr, new RegExp(`token ${id} revoked`));
    t.equal((await get(pky, '/acme/packages.json', basic(everywhere))).status, 401, 'the next request is refused');
    t.equal((await get(pky, '/acme/packages.json', basic(ci))).status, 200, 'other tokens still work');
    t.notMatch((await cli(['token', 'list'])).stdout, /laptop/, 'the default list shows active tokens');
    t.match((await cli(['token', 'list', '--all'])).stdout, /\tlaptop\t\S.*\trevoked\n/, '--all shows it, used and revoked');
    const again = await pky.cli(['token', 'revoke', id as string]);
    t.equal(again.code, 1);
    t.match(again.stderr, /already revoked/);
    t.match(audit(pky, 'token.revoke'), [{ target: 'laptop', details: /"user":"alice"/ }]);
  });

  await t.test('user disable revokes sessions and tokens at once; enable leaves them revoked; delete keeps the audit trail', async (t) => {
    const token = (await cli(['token', 'create', '--user', 'bob'])).stdout.trim();
    t.equal((await get(pky, '/acme/packages.json', basic(token))).status, 200);
    const session = pky.deps.sessions.create((pky.deps.sqlite.prepare(`SELECT id FROM users WHERE login = 'bob'`).get() as { id: number }).id);
    const r = await cli(['user', 'disable', 'bob']);
    t.match(r.stderr, /bob disabled \(1 sessions ended, 2 tokens revoked\)/);
    t.equal((await get(pky, '/acme/packages.json', basic(token))).status, 401);
    t.equal(pky.deps.sessions.resolve(session.cookie), null, 'the session is gone');
    t.match((await pky.cli(['user', 'disable', 'bob'])).stderr, /already disabled/);
    t.match((await cli(['user', 'enable', 'bob'])).stderr, /stay revoked/);
    t.equal((await get(pky, '/acme/packages.json', basic(token))).status, 401, 'the token stays revoked');
    const fresh = (await cli(['token', 'create', '--user', 'bob'])).stdout.trim();
    t.equal((await get(pky, '/acme/packages.json', basic(fresh))).status, 200, 'an enabled user gets new tokens that work');

    const last = await pky.cli(['user', 'delete', 'root']);
    t.equal(last.code, 1);
    t.match(last.stderr, /last instance admin/);
    t.equal((await pky.cli(['user', 'disable', 'root'])).code, 1, 'nor disabled');
    await cli(['user', 'delete', 'bob']);
    t.equal((await get(pky, '/acme/packages.json', basic(fresh))).status, 401, 'the deleted user\'s tokens went with them');
    t.equal(count(pky, `SELECT COUNT(*) AS n FROM org_members m JOIN users u ON u.id = m.user_id WHERE u.login = 'bob'`), 0);
    for (const action of ['user.disable', 'user.enable', 'user.delete']) t.match(audit(pky, action), [{ target: 'bob', orgId: null, actor: /^cli:/ }], action);
    t.ok(audit(pky, 'member.add').some((a) => a.target === 'bob'), 'older rows about the user stay');
    t.match((await pky.cli(['user', 'delete', 'bob'])).stderr, /user "bob" does not exist/);
  });

  await t.test('member remove: unsynced organizations only, never the last owner', async (t) => {
    await cli(['user', 'create', 'carl']);
    await cli(['org', 'member', 'add', 'acme', 'carl']);
    const last = await pky.cli(['org', 'member', 'remove', 'acme', 'alice']);
    t.equal(last.code, 1);
    t.match(last.stderr, /last owner of "acme"/);
    const none = await pky.cli(['org', 'member', 'remove', 'beta', 'carl']);
    t.match(none.stderr, /not a member of "beta"/);
    const carlToken = (await cli(['token', 'create', '--user', 'carl', '--org', 'acme'])).stdout.trim();
    t.equal((await get(pky, '/acme/packages.json', basic(carlToken))).status, 200);
    await cli(['org', 'member', 'remove', 'acme', 'carl']);
    t.equal((await get(pky, '/acme/packages.json', basic(carlToken))).status, 404, 'a former member reads nothing');
    t.match(audit(pky, 'member.remove'), [{ target: 'carl', details: /"role":"member"/ }]);
    pky.deps.sqlite.prepare(`UPDATE organizations SET sync_integration = 'ghe', sync_source = 'x' WHERE name = 'beta'`).run();
    const synced = await pky.cli(['org', 'member', 'remove', 'beta', 'alice']);
    t.match(synced.stderr, /takes its members from ghe/);
    pky.deps.sqlite.prepare(`UPDATE organizations SET sync_integration = NULL, sync_source = NULL WHERE name = 'beta'`).run();
  });

  await t.test('package remove: metadata goes at once, dists stay for the grace period, then housekeeping removes them', async (t) => {
    const ci = (await cli(['token', 'create', '--org', 'acme'])).stdout.trim();
    const p2 = (await (await get(pky, '/acme/p2/acme/foo.json', basic(ci))).json()) as { packages: Record<string, { dist: { url: string } }[]> };
    const distUrl = new URL(p2.packages['acme/foo']?.[0]?.dist.url as string).pathname;
    t.equal((await get(pky, distUrl, basic(ci))).status, 200, 'dist built');
    const before = (await get(pky, '/acme/packages.json', basic(ci))).headers.get('last-modified');
    const pkgId = (pky.deps.sqlite.prepare(`SELECT id FROM packages WHERE name = 'acme/foo'`).get() as { id: number }).id;

    const r = await cli(['package', 'remove', '--org', 'acme', 'acme/foo']);
    t.match(r.stderr, /acme\/foo removed from acme; 1 built dists stay downloadable until \d{4}-\d{2}-\d{2}/);
    const list = await get(pky, '/acme/packages.json', basic(ci));
    t.same(((await list.json()) as { 'available-packages': string[] })['available-packages'], [], 'gone from packages.json at once');
    t.not(list.headers.get('last-modified'), null);
    t.ok(before);
    t.equal((await get(pky, '/acme/p2/acme/foo.json', basic(ci))).status, 404, 'p2 gone');
    const dist = await get(pky, distUrl, basic(ci));
    t.equal(dist.status, 200, 'the dist stays downloadable for lock files');
    t.equal(dist.headers.get('content-type'), 'application/zip');
    t.equal((await get(pky, distUrl)).status, 401, 'still with a token only');
    const betaCi = (await cli(['token', 'create', '--org', 'beta'])).stdout.trim();
    t.equal((await get(pky, distUrl, basic(betaCi))).status, 404, 'and only for those who read the organization');
    t.match(audit(pky, 'package.remove'), [{ target: 'acme/foo', details: /"dists":1/ }]);
    t.match((await pky.cli(['package', 'remove', '--org', 'acme', 'acme/foo'])).stderr, /has no package "acme\/foo"/);
    const backup = await cli(['backup', join(pky.dir, 'after-remove.tar.gz')]);
    t.match(backup.stderr, /\(1 dists/, 'a backup keeps the dists of the grace period');

    // Housekeeping: nothing before expiry; after it, the row and the file go.
    const housekeeping = async () => {
      const { job } = pky.deps.queue.enqueue({ type: HOUSEKEEPING, lockKey: `${HOUSEKEEPING}:${Math.random()}`, trigger: 'test' });
      return runOrWait(pky.deps.queue, pky.deps.runner, job.id, 30_000);
    };
    const distFile = join(pky.deps.paths.dists, (pky.deps.sqlite.prepare(`SELECT path FROM removed_dists`).get() as { path: string }).path);
    t.ok(existsSync(distFile));
    // A directory of a package long gone (no rows at all) is removed too; a live package's stays.
    mkdirSync(join(pky.deps.paths.dists, '999'), { recursive: true });
    writeFileSync(join(pky.deps.paths.dists, '999', 'x.zip'), 'x');
    t.equal((await housekeeping()).status, 'done');
    t.ok(existsSync(distFile), 'kept during the grace period');
    t.notOk(existsSync(join(pky.deps.paths.dists, '999')), 'orphan dist directory removed');
    pky.deps.sqlite.prepare(`UPDATE removed_dists SET expires_at = ?`).run(Date.now() - 1);
    t.equal((await get(pky, distUrl, basic(ci))).status, 404, 'expired: no longer served');
    const done = await housekeeping();
    t.match(done.result, { expiredDists: 1, removedDistDirs: [String(pkgId)] });
    t.notOk(existsSync(distFile));
    t.equal(count(pky, `SELECT COUNT(*) AS n FROM removed_dists`), 0);

    // Added again, it is a new package with a fresh import.
    await cli(['package', 'add', '--org', 'acme', repo.dir]);
    t.equal((await get(pky, '/acme/p2/acme/foo.json', basic(ci))).status, 200);
  });

  await t.test('org delete: config-file organizations refused; others go with their tokens and packages', async (t) => {
    const ci = (await cli(['token', 'create', '--org', 'acme'])).stdout.trim();
    const r = await cli(['org', 'delete', 'acme']);
    t.match(r.stderr, /organization acme deleted \(1 packages\)/);
    t.equal((await get(pky, '/acme/packages.json', basic(ci))).status, 401, 'its tokens are gone');
    t.equal(count(pky, `SELECT COUNT(*) AS n FROM packages`), 0);
    t.match(audit(pky, 'org.delete'), [{ target: 'acme', orgId: null, details: /"packages":1/ }]);
    pky.deps.sqlite.prepare(`UPDATE organizations SET from_config = 1 WHERE name = 'beta'`).run();
    const cfg = await pky.cli(['org', 'delete', 'beta']);
    t.equal(cfg.code, 1);
    t.match(cfg.stderr, /declared in the config file .*remove it there first/);
    t.match((await pky.cli(['org', 'delete', 'nope'])).stderr, /organization "nope" does not exist/);
  });
});
