// The queue with the real runner and real git: two background updates of packages on an address
// that never answers cannot make a person's "Update now" wait (the last slot is kept for it), and
// once the host failed to connect, background updates for it wait in the queue (no connection,
// no attempt counted) while an update a person asks for still tries.
import t from 'tap';
import { join } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { startBlackhole } from '../../helpers/blackhole.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { waitFor } from '../../helpers/wait.js';
import { createOrg } from '../../../src/services/orgs.js';
import { addPackage } from '../../../src/services/packages.js';
import { PRIORITY } from '../../../src/jobs/job-types.js';
import { requestUpdate } from '../../../src/jobs/requests.js';

t.test('a failing host holds neither slot: Update now of a healthy package finishes; background jobs back off', async (t) => {
  const work = await makeTempDir('pky-priority-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': '{"name": "acme/healthy"}\n' }, 'first');
  await repo.tag('1.0.0');
  const bare = await repo.publishBare(join(work, 'healthy.git'), 'main');
  const hole = await startBlackhole();
  t.teardown(() => hole.close());

  // concurrency 2 (the default); a connect timeout of 2 s, a transfer timeout of 10 minutes.
  const pky = await startPackyard(t, { listen: false, connectTimeoutSeconds: 2, vcsTimeoutSeconds: 600 });
  const { deps } = pky;
  t.equal(deps.config.jobs.concurrency, 2);
  createOrg(deps.db, 'acme', 'test');
  const policy = { allowLocalPaths: true, allowedProtocols: deps.config.vcs.allowed_protocols, vcsTypes: [...deps.drivers.keys()] };
  const add = (url: string) => addPackage(deps.db, deps.queue, policy, { org: 'acme', url }, 'test').pkg.id;
  const slowA = add(`git://127.0.0.1:${hole.port}/a.git`);
  const slowB = add(`http://127.0.0.1:${hole.port}/b.git`);
  const healthy = add(bare);
  // The imports addPackage queued are not under test: the queue starts with background updates only.
  deps.sqlite.prepare(`DELETE FROM jobs`).run();
  const a = requestUpdate(deps.queue, slowA, 'sync:ghe', { priority: PRIORITY.background }).job;
  const b = requestUpdate(deps.queue, slowB, 'sync:ghe', { priority: PRIORITY.background }).job;
  deps.runner.start();
  t.teardown(() => deps.runner.stop(1000));
  const job = (id: number) => deps.queue.get(id)!;

  await waitFor('a background update to be connecting', () => (job(a.id).status === 'running' ? true : null));
  t.equal(job(b.id).status, 'queued', 'the second background update does not take the last slot');

  const now = requestUpdate(deps.queue, healthy, 'ui:alice').job;
  t.equal(now.priority, PRIORITY.asked);
  const done = await waitFor('Update now to finish', () => (['done', 'failed'].includes(job(now.id).status) ? job(now.id) : null), 60_000);
  t.equal(done.status, 'done', `the healthy package updated (${done.error ?? ''})`);
  t.equal(job(b.id).attempts, 0, 'meanwhile the other background update made no attempt');

  // The first background update fails its connect; the host is then failing for 30 s.
  const failedA = await waitFor('the connect to fail', () => (job(a.id).error?.includes('Could not connect') ? job(a.id) : null), 60_000);
  t.equal(failedA.attempts, 1);
  t.equal(failedA.status === 'queued' || failedA.status === 'running', true, 'retried through the queue, not by sleeping in a slot');
  const waiting = await waitFor('the second background update to wait for the host', () => (job(b.id).error?.includes('failed to connect recently') ? job(b.id) : null), 60_000);
  t.equal(waiting.status, 'queued');
  t.equal(waiting.attempts, 0, 'waiting is not an attempt');
  t.ok(waiting.runAfter > Date.now() + 10_000, 'it waits for the host\'s backoff');
  const retriedA = await waitFor('the retry of the first to wait too', () => (job(a.id).error?.includes('failed to connect recently') ? job(a.id) : null), 60_000);
  t.equal(retriedA.attempts, 1, 'its retry waits without burning an attempt');

  // A person asks for the waiting one: it runs at once and tries the host (and fails in the connect timeout).
  const asked = requestUpdate(deps.queue, slowB, 'ui:alice');
  t.equal(asked.job.id, b.id, 'the waiting job is the one that runs');
  const tried = await waitFor('the asked-for update to try', () => (job(b.id).attempts === 1 && job(b.id).error?.includes('Could not connect') ? job(b.id) : null), 60_000);
  t.equal(tried.priority, PRIORITY.asked);
  t.match(tried.error, `Could not connect to 127.0.0.1:${hole.port}`);
  await deps.runner.stop(5000);
});
