// The webhook state kept by sync (src/sync/hooks.ts) on a real SQLite file: the outcome line,
// when the secret must be sent again, recording the states a forge reports (per repository: rows
// of repositories that are no packages any more go; a hook created where one was recorded is a
// repair; a failed hook keeps the secret it had), and migration 0008 run on a database at 0007
// that holds the old settings rows.
import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, migrationsFolder, openDb, openSqlite, type Db } from '../../../src/db/client.js';
import { forgeHooks } from '../../../src/db/schema.js';
import type { HookState } from '../../../src/forges/types.js';
import { hookSummary, recordHookStates, secretMayDiffer } from '../../../src/sync/hooks.js';

function tempDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pky-hooks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openMigrated(t: { teardown(fn: () => unknown): void }): Db {
  const db = openDb(join(tempDir(t), 'packyard.db'));
  migrate(db.$client);
  t.teardown(() => db.$client.close());
  return db;
}

const repoHook = (target: string, outcome: HookState['outcome'], hookId: string | null, detail?: string): HookState =>
  ({ scope: 'repository', target, hookId, outcome, ...(detail ? { detail } : {}) });

t.test('the outcome line', async (t) => {
  t.equal(hookSummary('source', [{ scope: 'source', target: 'acme', hookId: '12', outcome: 'ok' }]), 'ok (source hook 12)');
  t.equal(hookSummary('source', [{ scope: 'source', target: 'acme', hookId: '12', outcome: 'created' }]), 'installed (source hook 12)');
  t.equal(hookSummary('source', [{ scope: 'source', target: 'acme', hookId: null, outcome: 'failed', detail: 'no right' }]), 'not installed: no right');
  t.equal(hookSummary('repository', [repoHook('1', 'ok', '5'), repoHook('2', 'ok', '6'), repoHook('3', 'created', '7')]), '3 repository hooks: 2 ok, 1 created');
  t.equal(hookSummary('repository', [repoHook('1', 'failed', null, 'x')]), '1 repository hook: 1 failed');
  t.equal(hookSummary('repository', []), 'no package repositories: no hooks');
});

t.test('recording states; when the secret must be sent again', async (t) => {
  const db = openMigrated(t);
  const at = { integration: 'gl', source: 'acme', url: 'https://pky.example/hooks/gl', fingerprint: 'fp-A' };
  const rows = () => db.select().from(forgeHooks).all().sort((a, b) => a.target.localeCompare(b.target));
  t.equal(secretMayDiffer([], 'fp-A'), true, 'nothing recorded: unknown counts as different');

  recordHookStates(db, at, [repoHook('1', 'created', '5'), repoHook('2', 'created', '6'), repoHook('3', 'failed', null, 'forbidden')], [], 1000);
  t.match(rows(), [
    { target: '1', hookId: '5', outcome: 'created', secretFingerprint: 'fp-A', checkedAt: 1000 },
    { target: '2', hookId: '6', outcome: 'created', secretFingerprint: 'fp-A' },
    { target: '3', hookId: null, outcome: 'failed', secretFingerprint: null, detail: 'forbidden' },
  ]);
  t.equal(secretMayDiffer(rows(), 'fp-A'), false, 'a hook never created says nothing about the secret');
  t.equal(secretMayDiffer(rows(), 'fp-B'), true, 'another secret: send it to every hook');

  // Repository 2 is no package any more; the hook of 1 was deleted on the forge; 3 still fails
  // after the secret changed (it keeps the secret it had: none).
  const out = recordHookStates(db, { ...at, fingerprint: 'fp-B' }, [repoHook('1', 'created', '8'), repoHook('3', 'failed', null, 'still forbidden')], rows(), 2000);
  t.match(out, [{ target: '1', outcome: 'repaired', hookId: '8', detail: 'hook 5 was gone from the forge; created hook 8' }, { target: '3', outcome: 'failed' }]);
  t.match(rows(), [
    { target: '1', hookId: '8', outcome: 'repaired', secretFingerprint: 'fp-B' },
    { target: '3', hookId: null, outcome: 'failed', secretFingerprint: null, detail: 'still forbidden', checkedAt: 2000 },
  ]);
  t.equal(rows().length, 2, 'the row of repository 2 is gone');

  // A failure of a hook that exists keeps its id and the secret it was last set with.
  recordHookStates(db, { ...at, fingerprint: 'fp-C' }, [repoHook('1', 'failed', null, 'unavailable'), repoHook('3', 'created', '9')], rows(), 3000);
  t.match(rows(), [{ target: '1', hookId: '8', outcome: 'failed', secretFingerprint: 'fp-B' }, { target: '3', hookId: '9', outcome: 'created', secretFingerprint: 'fp-C' }]);
  t.equal(secretMayDiffer(rows(), 'fp-C'), true, 'hook 8 may still hold the old secret');

  // Switching to one hook for the source forgets the repository rows.
  recordHookStates(db, at, [{ scope: 'source', target: 'acme', hookId: '20', outcome: 'created' }], rows(), 4000);
  t.match(rows(), [{ scope: 'source', target: 'acme', hookId: '20' }]);
  t.equal(rows().length, 1);
});

t.test('migration 0008 on a database at 0007 moves the settings fingerprints into forge_hooks', async (t) => {
  const dir = tempDir(t);
  // The migrations as of 0007: the same files, the journal without 0008 and later.
  const old = join(dir, 'migrations-0007');
  cpSync(migrationsFolder(), old, { recursive: true });
  const journalFile = join(old, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const later = journal.entries.filter((e) => e.tag >= '0008_').length;
  journal.entries = journal.entries.filter((e) => e.tag < '0008_');
  writeFileSync(journalFile, JSON.stringify(journal));

  const sqlite = openSqlite(join(dir, 'packyard.db'));
  t.teardown(() => sqlite.close());
  t.equal(migrate(sqlite, old), 8);
  const set = sqlite.prepare(`INSERT INTO settings (key, value) VALUES (?, ?)`);
  set.run('webhook-secret-hmac:ghe:acme:https://pky.example:8443/hooks/ghe', 'fp-acme');
  set.run('webhook-secret-hmac:ghe-2:my-org:http://10.0.0.1/base/hooks/ghe-2', 'fp-other');
  set.run('public_url', 'https://pky.example');
  t.equal(migrate(sqlite), later, '0008 (and what came after) runs');
  t.same(sqlite.prepare(`SELECT key FROM settings ORDER BY key`).all(), [{ key: 'public_url' }]);
  t.same(
    sqlite.prepare(`SELECT integration, source, scope, target, url, hook_id, secret_fingerprint, outcome, checked_at FROM forge_hooks ORDER BY integration`).all(),
    [
      { integration: 'ghe', source: 'acme', scope: 'source', target: 'acme', url: 'https://pky.example:8443/hooks/ghe', hook_id: null, secret_fingerprint: 'fp-acme', outcome: 'unknown', checked_at: 0 },
      { integration: 'ghe-2', source: 'my-org', scope: 'source', target: 'my-org', url: 'http://10.0.0.1/base/hooks/ghe-2', hook_id: null, secret_fingerprint: 'fp-other', outcome: 'unknown', checked_at: 0 },
    ],
  );
});
