// Repository locks across two connections to one SQLite file (the CLI and the server): one holder
// at a time, a dead holder's lease is taken over at once, a live holder's lease makes others wait.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openSqlite, type Sqlite } from '../../../src/db/client.js';
import { Mutexes } from '../../../src/jobs/mutex.js';
import { acquireServerLease } from '../../../src/jobs/server-lease.js';
import { isAppError } from '../../../src/domain/errors.js';

function openTwo(t: { teardown(fn: () => unknown): void }): [Sqlite, Sqlite] {
  const dir = mkdtempSync(join(tmpdir(), 'pky-locks-'));
  const file = join(dir, 'l.db');
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

t.test('two processes never hold one repository at once', async (t) => {
  const [a, b] = openTwo(t);
  const ma = new Mutexes({ sqlite: a });
  const mb = new Mutexes({ sqlite: b });
  const events: string[] = [];
  let releaseA!: () => void;
  const aHolds = new Promise<void>((r) => (releaseA = r));
  let aEntered!: () => void;
  const entered = new Promise<void>((r) => (aEntered = r));
  const runA = ma.run('repo:1', async () => {
    events.push('a in');
    aEntered();
    await aHolds;
    events.push('a out');
  });
  await entered;
  const runB = mb.run('repo:1', async () => {
    events.push('b in');
  });
  // B polls the lease while A holds it; a different key is not blocked.
  await mb.run('repo:2', async () => {
    events.push('b other repo');
  });
  releaseA();
  await Promise.all([runA, runB]);
  t.same(events, ['a in', 'b other repo', 'a out', 'b in']);
  t.equal((a.prepare('SELECT count(*) AS n FROM locks').get() as { n: number }).n, 0, 'leases released');
});

t.test("a dead holder's lease is taken over at once; a live one's is waited for", async (t) => {
  const [a, b] = openTwo(t);
  a.prepare('INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?)').run('repo:1', `${hostname()}:2147483646:dead`, Date.now() + 3_600_000);
  const mb = new Mutexes({ sqlite: b, waitMs: 10_000 });
  let ran = false;
  await mb.run('repo:1', async () => {
    ran = true;
  });
  t.ok(ran, 'took over the lease of a process that no longer exists');

  a.prepare('INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?)').run('repo:3', `${hostname()}:${process.pid}:alive`, Date.now() + 3_600_000);
  const short = new Mutexes({ sqlite: b, waitMs: 200 });
  try {
    await short.run('repo:3', async () => t.fail('must not run'));
    t.fail('expected LOCKED');
  } catch (e) {
    t.ok(isAppError(e) && e.code === 'LOCKED', 'gives up after waitMs with LOCKED');
  }
});

t.test('a holder with a reused pid (a container restarted as pid 1) is dead; the server lease names its holder', async (t) => {
  const [a, b] = openTwo(t);
  // Our own pid, recorded with another start time: a previous process that had this pid.
  a.prepare('INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?)').run('repo:1', `${hostname()}:${process.pid}:s1.old`, Date.now() + 3_600_000);
  let ran = false;
  await new Mutexes({ sqlite: b, waitMs: 10_000 }).run('repo:1', async () => {
    ran = true;
  });
  t.ok(ran, 'took over the lease of the earlier process with the same pid');

  const lease = acquireServerLease(a, '/srv/data');
  t.throws(() => acquireServerLease(b, '/srv/data'), {
    code: 'LOCKED',
    message: `Another Packyard server (pid ${process.pid} on ${hostname()}) is using data_dir /srv/data; stop it first.`,
  });
  lease.release();
  acquireServerLease(b, '/srv/data').release();
  t.pass('taken once the first released it');
});
