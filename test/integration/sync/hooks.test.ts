// The state of the forge's webhooks, kept and repaired by sync (forge_hooks), against the fake
// GHES: the org hook installed and recorded, left alone when fine, recreated and recorded as
// repaired after it was deleted on the forge, a failed creation recorded as failed with its
// detail while the sync itself still applies; the settings page shows the mode and every hook's
// state; the fingerprints migration 0008 carries over from `settings` still count.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../../src/app.js';
import { createUser } from '../../../src/services/users.js';
import { syncOrg } from '../../../src/sync/reconcile.js';
import { hookSecretFingerprint } from '../../../src/sync/hooks.js';
import { startGhesOrg } from '../../helpers/ghes-org.js';
import { ghesSyncYaml, startPackyard } from '../../helpers/packyard.js';
import { signIn } from '../../helpers/ui.js';

const TOKEN = 'ghp_forgehooksadmintoken0000000000000000';
const PASSWORD = 'correct horse battery';

interface HookRow {
  scope: string;
  target: string;
  url: string;
  hook_id: string | null;
  secret_fingerprint: string | null;
  outcome: string;
  detail: string | null;
  checked_at: number;
}

t.test('sync records every hook, repairs a deleted one, reports a failed one', async (t) => {
  const { ghe, s } = await startGhesOrg(t, TOKEN);
  await s.addRepo('acme', 'notes', { files: { 'README.md': '# notes\n' } });

  // Port 1: nothing listens there, so the fake's pings of the new hook fail at once.
  const pky = await startPackyard(t, {
    listen: false,
    port: 1,
    yaml: ghesSyncYaml(ghe, { token: TOKEN, autoAddPackages: false, installWebhooks: true, moreIntegrations: ['    webhook_secret: "secret-A"'] }),
  });
  const sqlite = pky.deps.sqlite;
  const rows = () => sqlite.prepare(`SELECT * FROM forge_hooks ORDER BY id`).all() as HookRow[];
  const url = `${pky.config.server.public_url}/hooks/ghe`;
  const fingerprint = hookSecretFingerprint(pky.deps.box, 'secret-A');
  const writes = () => ghe.requests.filter((r) => r.method !== 'GET' && r.path.includes('/hooks')).length;
  const sync = async () => {
    const out = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
    t.notOk(out.error, out.error ?? 'synced');
    return out;
  };

  const first = await sync();
  const [hook] = s.orgHooks(s.org('acme'));
  t.ok(hook, 'the org hook is on the forge');
  t.equal(first.webhook, `installed (source hook ${hook?.id})`);
  t.match(rows(), [{ scope: 'source', target: 'acme', url, hook_id: String(hook?.id), secret_fingerprint: fingerprint, outcome: 'created', detail: null }]);
  t.notMatch(JSON.stringify(rows()), /secret-A/, 'the secret itself is not stored');
  t.same(sqlite.prepare(`SELECT COUNT(*) AS n FROM settings WHERE key LIKE 'webhook-secret-hmac:%'`).get(), { n: 0 }, 'nothing in settings any more');

  const before = writes();
  const second = await sync();
  t.equal(second.webhook, `ok (source hook ${hook?.id})`);
  t.equal(writes(), before, 'a hook in order is not written to');
  t.match(rows(), [{ hook_id: String(hook?.id), outcome: 'ok' }]);

  // Deleted on the forge: the next sync creates it again and records the repair.
  if (hook) s.hooks.delete(hook.id);
  const third = await sync();
  const [again] = s.orgHooks(s.org('acme'));
  t.ok(again && again.id !== hook?.id, 'a new hook');
  t.equal(third.webhook, `repaired (source hook ${again?.id})`);
  t.match(rows(), [{ hook_id: String(again?.id), outcome: 'repaired', detail: new RegExp(`hook ${hook?.id} was gone from the forge; created hook ${again?.id}`), secret_fingerprint: fingerprint }]);
  t.equal(rows().length, 1, 'one row per hook');
  t.equal(again?.config.secret, 'secret-A');

  // The hook cannot be created: its state says why; the rest of the sync is applied.
  if (again) s.hooks.delete(again.id);
  ghe.fault({ method: 'POST', path: /\/orgs\/acme\/hooks$/, status: 422, times: 1, body: { message: 'Validation Failed', errors: [{ message: 'the hook limit is reached' }] } });
  s.addUser('newbie');
  s.addOrgMember('acme', 'newbie', 'member');
  const fourth = await sync();
  t.equal(fourth.status, 'applied', 'the sync itself is applied');
  t.ok(sqlite.prepare(`SELECT 1 FROM users WHERE login = 'newbie'`).get(), 'the new member is there');
  t.match(fourth.webhook, /^not installed: .*422/);
  t.match(rows(), [{ scope: 'source', target: 'acme', outcome: 'failed', detail: /422/ }]);
  t.equal(s.orgHooks(s.org('acme')).length, 0);

  // The settings page shows the mode and the failed hook with its detail.
  createUser(pky.deps.db, 'root', { admin: true, password: PASSWORD }, 'test');
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  const root = await signIn(app, 'root', PASSWORD);
  const page = await root.get('/acme/-/settings');
  t.equal(page.statusCode, 200);
  t.match(page.body, '<h2>Webhooks</h2>');
  t.match(page.body, 'One organization hook on GitHub Enterprise.', "the forge's words for its hook mode");
  t.match(page.body, /<span class="badge error">failed<\/span><pre class="error">[^<]*422/);

  // Fixed on the forge's side: the next sync installs it again.
  const fifth = await sync();
  t.match(fifth.webhook, /^repaired \(source hook \d+\)$/);
  t.match(rows(), [{ outcome: 'repaired' }]);
  t.equal(s.orgHooks(s.org('acme')).length, 1);
  t.match((await root.get('/acme/-/settings')).body, /<span class="badge ok">repaired<\/span>/);
});

t.test('migration 0008 carries the settings fingerprints over: an unchanged secret is not sent again', async (t) => {
  const { ghe, s } = await startGhesOrg(t, TOKEN);
  const pky = await startPackyard(t, {
    listen: false,
    port: 1,
    yaml: ghesSyncYaml(ghe, { token: TOKEN, autoAddPackages: false, installWebhooks: true, moreIntegrations: ['    webhook_secret: "secret-A"'] }),
  });
  const sqlite = pky.deps.sqlite;
  const url = `${pky.config.server.public_url}/hooks/ghe`;
  t.equal((await syncOrg(pky.deps, 'acme', { trigger: 'test' })).webhook?.startsWith('installed'), true);

  // As a database before 0008 had it: no forge_hooks, the fingerprint in settings.
  sqlite.prepare(`DELETE FROM forge_hooks`).run();
  const set = sqlite.prepare(`INSERT INTO settings (key, value) VALUES (?, ?)`);
  set.run(`webhook-secret-hmac:ghe:acme:${url}`, hookSecretFingerprint(pky.deps.box, 'secret-A'));
  set.run('unrelated', 'kept');
  const migration = readFileSync(join(import.meta.dirname, '../../../src/db/migrations/0008_forge_hooks.sql'), 'utf8').split('--> statement-breakpoint');
  for (const statement of migration.slice(2)) sqlite.exec(statement);
  t.same(sqlite.prepare(`SELECT key FROM settings WHERE key LIKE 'webhook-%' OR key = 'unrelated' ORDER BY key`).all(), [{ key: 'unrelated' }], 'the settings rows are gone, the others kept');
  t.match(sqlite.prepare(`SELECT * FROM forge_hooks`).all(), [{ scope: 'source', target: 'acme', url, hook_id: null, outcome: 'unknown', checked_at: 0 }]);

  const patches = () => ghe.requests.filter((r) => r.method === 'PATCH').length;
  const before = patches();
  const out = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.match(out.webhook, /^ok \(source hook \d+\)$/, 'the same secret: nothing to send');
  t.equal(patches(), before);
  t.match(sqlite.prepare(`SELECT * FROM forge_hooks`).all(), [{ outcome: 'ok', hook_id: /^\d+$/ }]);
});
