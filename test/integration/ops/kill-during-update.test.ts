// kill -9 during package updates, 20 times: the database stays intact, versions and the stored
// p2 files always agree (a whole update or none), and the interrupted job runs again.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { cliEntry, startPackyard } from '../../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { expand } from '../../../src/composer/minify.js';
import type { JsonObject } from '../../../src/composer/json.js';
import { loadConfig } from '../../../src/config/load.js';
import { compose } from '../../../src/compose.js';
import { createLogger } from '../../../src/log.js';
import { runOrWait } from '../../../src/jobs/wait.js';
import { requestUpdate } from '../../../src/jobs/requests.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const json = (o: unknown) => `${JSON.stringify(o)}\n`;

function consistent(dbFile: string): { ok: boolean; why: string; integrity: string } {
  const db = new Database(dbFile, { readonly: true });
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const pkg = db.prepare(`SELECT id, name FROM packages WHERE name = 'acme/churn'`).get() as { id: number; name: string };
    const rows = db.prepare(`SELECT version FROM versions WHERE package_id = ? AND is_dev = 0`).all(pkg.id) as { version: string }[];
    const file = db.prepare(`SELECT json FROM metadata_files WHERE package_id = ? AND kind = 'tags'`).get(pkg.id) as { json: Buffer };
    const published = expand(((JSON.parse(file.json.toString()) as { packages: Record<string, JsonObject[]> }).packages[pkg.name] ?? []) as JsonObject[]).map((v) => String(v.version));
    const stored = rows.map((r) => r.version);
    const same = stored.length === published.length && stored.every((v) => published.includes(v));
    return { ok: same, why: `versions table ${stored.length}, p2 file ${published.length}`, integrity };
  } finally {
    db.close();
  }
}

t.test('kill -9 during updates leaves nothing half-written and the job runs again', async (t) => {
  const work = await makeTempDir('pky-kill-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  await repo.bulkCommits(Array.from({ length: 200 }, (_, i) => ({ files: { 'composer.json': json({ name: 'acme/churn', description: `r${i}` }) }, message: `c${i}`, tag: `v1.0.${i}` })));
  const pky = await startPackyard(t, { listen: false });
  for (const args of [['org', 'create', 'acme'], ['package', 'add', '--org', 'acme', repo.dir]]) {
    const r = await pky.cli(args);
    t.equal(r.code, 0, r.stderr);
  }
  pky.deps.close();
  const dbFile = join(pky.dir, 'data', 'packyard.db');

  let killedMidway = 0;
  for (let i = 0; i < 20; i++) {
    await repo.commit({ 'composer.json': json({ name: 'acme/churn', description: `round ${i}` }) }, `round ${i}`);
    await repo.tag(`v2.0.${i}`);
    const child = spawn(process.execPath, [cliEntry(), '--config', pky.configFile, 'package', 'update', '--org', 'acme', 'acme/churn', '--force'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Kill at a different moment each round: during start-up, the listing, the scan or the write.
    const delay = 300 + ((i * 137) % 1500);
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    const code = await exited;
    clearTimeout(timer);
    if (code === null) killedMidway++;
    const c = consistent(dbFile);
    t.equal(c.integrity, 'ok', `round ${i}: integrity_check`);
    t.ok(c.ok, `round ${i}: versions and p2 agree (${c.why})`);
  }
  t.ok(killedMidway >= 10, `most rounds were killed before finishing (${killedMidway}/20)`);
  // (Dead runners' jobs being resumed is shown in test/unit/jobs/queue.test.ts and ops/graceful-stop.)

  // A runner started afterwards picks up what was interrupted and finishes it.
  const deps = compose(loadConfig({ file: pky.configFile, env: {} }), { log: createLogger('silent') });
  t.teardown(() => deps.close());
  const interrupted = deps.sqlite.prepare(`SELECT id FROM jobs WHERE status IN ('running', 'queued')`).all() as { id: number }[];
  for (const j of interrupted) {
    const done = await runOrWait(deps.queue, deps.runner, j.id, 120_000);
    t.equal(done.status, 'done', `job ${j.id} ran again: ${done.error ?? ''}`);
  }
  // Whatever a killed command left running is given back to the queue (its process is gone)
  // and runs to the end; one more update then publishes every tag.
  const stuck = deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('running', 'queued')`).get() as { n: number };
  t.equal(stuck.n, 0, 'nothing is left behind');
  const last = await runOrWait(deps.queue, deps.runner, requestUpdate(deps.queue, 1, 'test').job.id, 120_000);
  t.equal(last.status, 'done', last.error ?? '');
  const versions = deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'acme/churn' AND v.is_dev = 0`).get() as { n: number };
  t.equal(versions.n, 220, 'every tag is published in the end');
});
