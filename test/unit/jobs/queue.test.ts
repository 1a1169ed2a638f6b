// The persistent job queue on a real SQLite file, with two connections as the CLI and the
// server would have: dedupe, one running job per lock key, leases, retries, dead runners.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openSqlite, type Sqlite } from '../../../src/db/client.js';
import { JobQueue } from '../../../src/jobs/queue.js';

function openTwo(t: { teardown(fn: () => unknown): void }): [Sqlite, Sqlite] {
  const dir = mkdtempSync(join(tmpdir(), 'pky-queue-'));
  const file = join(dir, 'q.db');
  const a = openSqlite(file);
  migrate(a);
  const b = openSqlite(file);
  t.teardown(() => {
    a.close();
    b.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return [a, b];
}

t.test('a queued job absorbs duplicates; a running one does not', async (t) => {
  const [a] = openTwo(t);
  const q = new JobQueue(a);
  const one = q.enqueue({ type: 'update-package', lockKey: 'package:1', trigger: 'test' });
  const two = q.enqueue({ type: 'update-package', lockKey: 'package:1', trigger: 'test' });
  t.equal(two.deduplicated, true);
  t.equal(two.job.id, one.job.id);
  const claimed = q.claimNext();
  t.equal(claimed?.id, one.job.id);
  const three = q.enqueue({ type: 'update-package', lockKey: 'package:1', trigger: 'test' });
  t.equal(three.deduplicated, false, 'a push during a running update needs another run');
  t.equal(q.claimNext(), null, 'but not while the first holds the lock');
  q.complete(one.job.id, { ok: true });
  t.equal(q.claimNext()?.id, three.job.id);
});

t.test('two processes never run jobs with the same lock key at once', async (t) => {
  const [a, b] = openTwo(t);
  const server = new JobQueue(a);
  const cli = new JobQueue(b);
  const j1 = cli.enqueue({ type: 'update-package', lockKey: 'package:7', trigger: 'cli' }).job;
  t.ok(server.claimNext(), 'the server takes it');
  const j2 = cli.enqueue({ type: 'update-package', lockKey: 'package:7', trigger: 'cli' }).job;
  t.equal(cli.claim(j2.id), null, 'the CLI waits while the server holds the lease');
  t.equal(cli.claim(j1.id), null);
  server.complete(j1.id);
  t.equal(cli.claim(j2.id)?.id, j2.id);
  t.equal(server.claimNext(), null);
});

t.test('an expired lease or a dead runner gives the job back to the queue', async (t) => {
  const [a, b] = openTwo(t);
  let now = 1_000_000;
  const dead = new JobQueue(a, { leaseMs: 1000, now: () => now });
  const job = dead.enqueue({ type: 'update-package', lockKey: 'package:2', trigger: 'test' }).job;
  t.ok(dead.claimNext());
  const other = new JobQueue(b, { leaseMs: 1000, now: () => now });
  t.equal(other.claimNext(), null, 'lease still valid');
  now += 1500;
  const again = other.claimNext();
  t.equal(again?.id, job.id, 'lease expired: another runner resumes it');
  t.equal(again?.attempts, 2);

  // A runner whose process is gone (same host, pid not alive) loses its job at once.
  const j = other.enqueue({ type: 'update-package', lockKey: 'package:3', trigger: 'test' }).job;
  a.prepare(`UPDATE jobs SET status='running', lease_owner=?, lease_expires_at=? WHERE id=?`).run(
    `${(await import('node:os')).hostname()}:999999999:dead`, now + 60_000, j.id,
  );
  t.equal(other.recoverExpired(now), 1);
  t.equal(other.get(j.id)?.status, 'queued');
});

t.test('retryable failures back off; others fail for good', async (t) => {
  const [a] = openTwo(t);
  let now = 5_000_000;
  const q = new JobQueue(a, { now: () => now });
  const job = q.enqueue({ type: 'update-package', lockKey: 'package:4', trigger: 'test', maxAttempts: 2 }).job;
  q.claimNext();
  const r1 = q.fail(job.id, 'timeout', { retryable: true });
  t.equal(r1?.status, 'queued');
  t.ok((r1?.runAfter ?? 0) > now, 'not before its backoff');
  t.equal(q.claimNext(), null);
  now = r1?.runAfter ?? now;
  t.equal(q.claimNext()?.id, job.id);
  const r2 = q.fail(job.id, 'timeout again', { retryable: true });
  t.equal(r2?.status, 'failed', 'attempts exhausted');
  t.equal(r2?.error, 'timeout again');
  const other = q.enqueue({ type: 'update-package', lockKey: 'package:5', trigger: 'test' }).job;
  q.claimNext();
  t.equal(q.fail(other.id, 'auth', { retryable: false })?.status, 'failed');
});

t.test('a graceful stop gives running jobs back without counting the attempt', async (t) => {
  const [a] = openTwo(t);
  const q = new JobQueue(a);
  const job = q.enqueue({ type: 'update-package', lockKey: 'package:6', trigger: 'test' }).job;
  q.claimNext();
  t.equal(q.releaseOwned(), 1);
  const back = q.get(job.id);
  t.equal(back?.status, 'queued');
  t.equal(back?.attempts, 0);
});

t.test('priority: asked-for jobs are claimed first; minPriority leaves background jobs queued', async (t) => {
  const [a] = openTwo(t);
  let now = 1_000_000;
  const q = new JobQueue(a, { now: () => now });
  const bg1 = q.enqueue({ type: 'update-package', lockKey: 'package:1', trigger: 'sync:ghe' }).job;
  const bg2 = q.enqueue({ type: 'update-package', lockKey: 'package:2', trigger: 'sync:ghe' }).job;
  now += 10;
  const asked = q.enqueue({ type: 'update-package', lockKey: 'package:3', trigger: 'ui:alice', priority: 1 }).job;
  t.equal(bg1.priority, 0, 'background by default');
  t.equal(q.claimNext(undefined, { minPriority: 1 })?.id, asked.id, 'the newer asked-for job first');
  t.equal(q.claimNext(undefined, { minPriority: 1 }), null, 'no background job takes a reserved slot');
  t.equal(q.claimNext()?.id, bg1.id, 'then the oldest background job');
  // "Update now" on a waiting background job makes it the person's job, at once.
  q.enqueue({ type: 'update-package', lockKey: 'package:2', trigger: 'sync:ghe', runAfter: now + 60_000 });
  const raised = q.enqueue({ type: 'update-package', lockKey: 'package:2', trigger: 'ui:alice', priority: 1 });
  t.equal(raised.job.id, bg2.id);
  t.equal(raised.job.priority, 1, 'the duplicate raised its priority');
  t.equal(q.claimNext(undefined, { minPriority: 1 })?.id, bg2.id);
});

t.test('defer: back to the queue until a time, the attempt not counted', async (t) => {
  const [a] = openTwo(t);
  let now = 1_000_000;
  const q = new JobQueue(a, { now: () => now });
  const job = q.enqueue({ type: 'update-package', lockKey: 'package:1', trigger: 'sync:ghe' }).job;
  t.equal(q.claimNext()?.attempts, 1);
  const deferred = q.defer(job.id, now + 30_000, 'waiting: host failing');
  t.match(deferred, { status: 'queued', attempts: 0, runAfter: now + 30_000, error: 'waiting: host failing', leaseOwner: null });
  t.equal(q.claimNext(), null, 'not before its time');
  now += 30_000;
  t.equal(q.claimNext()?.id, job.id);
});
