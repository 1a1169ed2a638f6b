// Housekeeping: finished jobs past their retention are deleted (queued and running never),
// delivery logs likewise, mirrors of deleted packages are removed, dists are kept while their
// package lives (a removed package's during its grace period: test/integration/ops/removals.test.ts).
import t from 'tap';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { createOrg } from '../../../src/services/orgs.js';
import { HOUSEKEEPING, pruneDeliveries, pruneJobs, removeOrphanMirrors } from '../../../src/jobs/housekeeping.js';
import { runOrWait } from '../../../src/jobs/wait.js';
import { scheduledJobs, Schedules } from '../../../src/jobs/schedule.js';
import { createLogger } from '../../../src/log.js';

const DAY = 24 * 60 * 60 * 1000;

t.test('finished jobs older than the retention are pruned', async (t) => {
  const pky = await startPackyard(t, { listen: false });
  const { sqlite } = pky.deps;
  const now = Date.now();
  const insert = sqlite.prepare(
    `INSERT INTO jobs (type, lock_key, payload, status, run_after, created_at, finished_at, trigger) VALUES ('x', ?, '{}', ?, 0, 0, ?, 'test')`,
  );
  insert.run('old-done', 'done', now - 31 * DAY);
  insert.run('old-failed', 'failed', now - 40 * DAY);
  insert.run('new-done', 'done', now - 29 * DAY);
  insert.run('old-queued', 'queued', null);
  insert.run('old-running', 'running', null);
  t.equal(pruneJobs(sqlite, now - 30 * DAY), 2);
  const left = (sqlite.prepare(`SELECT lock_key FROM jobs ORDER BY id`).all() as { lock_key: string }[]).map((r) => r.lock_key);
  t.same(left, ['new-done', 'old-queued', 'old-running']);
});

t.test('delivery logs are pruned by age', async (t) => {
  const pky = await startPackyard(t, { listen: false });
  const { sqlite } = pky.deps;
  t.equal(pruneDeliveries(sqlite, Date.now()), 0, 'nothing yet');
  const add = sqlite.prepare(`INSERT INTO deliveries (integration, delivery_id, event, received_at, status, outcome) VALUES ('ghe', ?, 'push', ?, 'accepted', '')`);
  add.run('old', Date.now() - 31 * DAY);
  add.run('new', Date.now());
  t.equal(pruneDeliveries(sqlite, Date.now() - 30 * DAY), 1);
  t.same(sqlite.prepare(`SELECT delivery_id AS d FROM deliveries`).all(), [{ d: 'new' }]);
});

t.test('mirrors and dists of deleted packages are removed; live packages\' and other files stay', async (t) => {
  const pky = await startPackyard(t, { listen: false });
  const { sqlite, paths } = pky.deps;
  const org = createOrg(pky.deps.db, 'acme', 'test');
  const add = sqlite.prepare(`INSERT INTO packages (org_id, url, vcs_type, status, created_at) VALUES (?, ?, 'git', 'ok', 0)`);
  const kept = Number(add.run(org.id, 'https://x.example/kept.git').lastInsertRowid);
  const gone = Number(add.run(org.id, 'https://x.example/gone.git').lastInsertRowid);
  for (const id of [kept, gone]) {
    mkdirSync(join(paths.mirrors, `${id}.git`, 'objects'), { recursive: true });
    writeFileSync(join(paths.mirrors, `${id}.git`, 'HEAD'), 'ref: refs/heads/main\n');
    mkdirSync(join(paths.dists, String(id)), { recursive: true });
    writeFileSync(join(paths.dists, String(id), 'abc.zip'), 'zip');
  }
  mkdirSync(join(paths.mirrors, 'not-a-mirror'));
  sqlite.prepare(`DELETE FROM packages WHERE id = ?`).run(gone);

  // Through the job, as the schedule runs it.
  const { job } = pky.deps.queue.enqueue({ type: HOUSEKEEPING, lockKey: HOUSEKEEPING, trigger: 'test' });
  const done = await runOrWait(pky.deps.queue, pky.deps.runner, job.id, 30_000);
  t.equal(done.status, 'done', done.error ?? '');
  t.same(done.result?.removedMirrors, [`${gone}.git`]);
  t.notOk(existsSync(join(paths.mirrors, `${gone}.git`)), 'the deleted package\'s mirror is gone');
  t.ok(existsSync(join(paths.mirrors, `${kept}.git`, 'HEAD')), 'a live package\'s mirror stays');
  t.ok(existsSync(join(paths.mirrors, 'not-a-mirror')), 'unknown entries are left alone');
  t.ok(existsSync(join(paths.dists, String(kept), 'abc.zip')), 'a live package\'s dists are never pruned');
  // A package gone without a grace period (its organization was deleted): its dists go too.
  t.same(done.result?.removedDistDirs, [String(gone)]);
  t.notOk(existsSync(join(paths.dists, String(gone))), 'a gone package\'s dists without removed_dists rows are removed');
  t.same(await removeOrphanMirrors(sqlite, paths.mirrors), [], 'nothing left to remove');
});

t.test('the schedule only enqueues housekeeping, deduplicated, and stops', async (t) => {
  const pky = await startPackyard(t, { listen: false, yaml: 'housekeeping:\n  schedule: "* * * * * *"\n' });
  t.equal(pky.config.housekeeping.schedule, '* * * * * *');
  t.equal(pky.config.housekeeping.job_retention_days, 30, 'defaults fill the rest');
  const schedules = new Schedules(() => scheduledJobs(pky.config, pky.deps.db, pky.deps.queue), createLogger('silent'));
  t.same(schedules.jobs.map((j) => j.name), [HOUSEKEEPING]);
  schedules.start();
  const count = () => (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE type = ? AND status = 'queued'`).get(HOUSEKEEPING) as { n: number }).n;
  const end = Date.now() + 5000;
  while (count() === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1500));
  await schedules.stop();
  t.equal(count(), 1, 'enqueued, and later ticks were absorbed by the queued job');
  pky.deps.sqlite.prepare(`DELETE FROM jobs`).run();
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(count(), 0, 'nothing is enqueued after stop');
});
