// Repositories whose push time the forge does not give (pushed_at null) are checked for a
// composer.json again: after COMPOSER_RECHECK_UNKNOWN_PUSH_MS since the last check, and at the
// sync a push webhook for the repository queues. One that gains a composer.json becomes a package.
import t from 'tap';
import { ForgeError, type HookVerification } from '../../../src/forges/types.js';
import { FakeForge } from '../../fakes/forge.js';
import { buildApp } from '../../../src/app.js';
import type { ForgeFactory } from '../../../src/sync/forges.js';
import { COMPOSER_RECHECK_UNKNOWN_PUSH_MS } from '../../../src/sync/plan.js';
import { syncOrg } from '../../../src/sync/reconcile.js';
import { ghesSyncYaml, startPackyard } from '../../helpers/packyard.js';

const fake = new FakeForge({
  org: { id: 'o1', login: 'acme' },
  users: [{ id: '101', login: 'owner' }],
  owners: ['101'],
  // No push times (pushedAt null).
  repositories: [{ id: 'r-lib', fullName: 'acme/lib' }, { id: 'r-tool', fullName: 'acme/tool' }],
}, { integrationId: 'ghe', webUrl: 'https://github.example' });
fake.fail.ensureWebhook = new ForgeError('unavailable', 'not used');
let checksFrom = 0;
/** The composer.json checks since `checks` was last reset; `withComposer` gives a repository one. */
const forge = {
  withComposer: {
    add(name: string) {
      const r = fake.world.repositories?.find((x) => x.fullName === `acme/${name}`);
      if (r) r.composer = `{"name":"acme/${name}"}`;
      return forge.withComposer;
    },
  },
  get checks(): string[] {
    return fake.calls.slice(checksFrom).filter((c) => c.call === 'composerJson').map((c) => c.arg.split('/')[1] as string);
  },
  set checks(_reset: string[]) {
    checksFrom = fake.calls.length;
  },
  set hook(hook: HookVerification) {
    fake.hook = hook;
  },
};
const stubForge: ForgeFactory = () => fake;

t.test('a repository without a push time that gains a composer.json becomes a package later', async (t) => {
  const yaml = ghesSyncYaml({ url: 'https://github.example', apiUrl: 'https://github.example/api/v3' }, { token: 'test-token', autoAddPackages: true, installWebhooks: false });
  const pky = await startPackyard(t, { yaml, listen: false, forgeFactory: stubForge });
  const sqlite = pky.deps.sqlite;
  const packages = () => (sqlite.prepare(`SELECT url FROM packages ORDER BY url`).all() as { url: string }[]).map((r) => r.url);
  const checkedAt = (name: string) => (sqlite.prepare(`SELECT composer_checked_at AS c FROM forge_repos WHERE full_name = ?`).get(`acme/${name}`) as { c: string | null }).c;
  const sync = async () => {
    const out = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
    t.notOk(out.error, out.error ?? 'synced');
  };

  await sync();
  t.same(forge.checks.sort(), ['lib', 'tool'], 'both checked at the first sync');
  t.same(packages(), []);
  t.match(checkedAt('lib'), /^unknown@\d{4}-/, 'the check time is recorded when the push time is unknown');

  forge.withComposer.add('lib').add('tool');
  forge.checks = [];
  await sync();
  t.same(forge.checks, [], 'not checked again at every sync');
  t.same(packages(), []);

  await t.test('after the re-check interval', async (t) => {
    const old = new Date(Date.now() - COMPOSER_RECHECK_UNKNOWN_PUSH_MS - 60_000).toISOString();
    sqlite.prepare(`UPDATE forge_repos SET composer_checked_at = ? WHERE full_name = 'acme/lib'`).run(`unknown@${old}`);
    await sync();
    t.same(forge.checks, ['lib'], 'the repository checked long enough ago is checked again');
    t.same(packages(), ['https://github.example/acme/lib.git'], 'and becomes a package');
  });

  await t.test('after a push webhook', async (t) => {
    const app = await buildApp(pky.deps);
    t.teardown(() => app.close());
    forge.checks = [];
    forge.hook = { ok: true, deliveryId: 'd-1', event: 'push', hook: { kind: 'push', repo: { id: 'r-tool', fullName: 'acme/tool' }, ref: 'refs/heads/main', deleted: false } };
    const res = await app.inject({ method: 'POST', url: '/hooks/ghe', payload: '{}', headers: { 'content-type': 'application/json' } });
    t.equal(res.statusCode, 202, res.body);
    t.match(res.json(), { outcome: /not a package: check for a composer.json in acme queued/ });
    t.equal(checkedAt('tool'), null, 'the push clears the last check');
    await sync();
    t.same(forge.checks, ['tool'], 'the sync checks it again');
    t.same(packages(), ['https://github.example/acme/lib.git', 'https://github.example/acme/tool.git']);
  });
});
