// Backup while updates run, restore into a fresh data directory: the restored instance serves
// the same metadata and the same dist bytes with the same tokens.
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { requestUpdate } from '../../../src/jobs/requests.js';

const json = (o: unknown) => `${JSON.stringify(o)}\n`;

t.test('backup during updates, restore elsewhere, same metadata served', async (t) => {
  const work = await makeTempDir('pky-backup-');
  t.teardown(() => removeDir(work));
  const stable = await createGitRepo(join(work, 'stable'), { defaultBranch: 'main' });
  await stable.commit({ 'composer.json': json({ name: 'acme/stable' }) }, 'one');
  await stable.tag('v1.0.0');
  const busy = await createGitRepo(join(work, 'busy'), { defaultBranch: 'main' });
  await busy.commit({ 'composer.json': json({ name: 'acme/busy' }) }, 'one');
  await busy.tag('v0.1.0');

  const pky = await startPackyard(t);
  for (const args of [['org', 'create', 'acme'], ['package', 'add', '--org', 'acme', stable.dir], ['package', 'add', '--org', 'acme', busy.dir]]) {
    const r = await pky.cli(args);
    t.equal(r.code, 0, r.stderr);
  }
  const token = (await pky.cli(['token', 'create', '--org', 'acme'])).stdout.trim();
  const auth = { authorization: `Bearer ${token}` };
  const p2 = await pky.server!.app.inject({ url: '/acme/p2/acme/stable.json', headers: auth });
  const distPath = new URL(String(JSON.parse(p2.body).packages['acme/stable'][0].dist.url)).pathname;
  const dist = await pky.server!.app.inject({ url: distPath, headers: auth });
  t.equal(dist.statusCode, 200);

  // Updates of the busy package keep running (new tags, server-side jobs) while the backup runs.
  let stop = false;
  const busyId = (pky.deps.sqlite.prepare(`SELECT id FROM packages WHERE name = 'acme/busy'`).get() as { id: number }).id;
  const churn = (async () => {
    for (let i = 1; i <= 40 && !stop; i++) {
      await busy.commit({ 'src.php': `<?php // ${i}\n` }, `c${i}`);
      await busy.tag(`v0.2.${i}`);
      requestUpdate(pky.deps.queue, busyId, 'test');
      await new Promise((r) => setImmediate(r));
    }
  })();
  const file = join(work, 'backup.tar.gz');
  const b = await pky.cli(['backup', file]);
  stop = true;
  await churn;
  t.equal(b.code, 0, b.stderr);
  t.ok(existsSync(file));

  // Restore into a fresh data directory and start a second instance on it.
  const dir2 = mkdtempSync(join(tmpdir(), 'pky-restore-'));
  t.teardown(() => removeDir(dir2));
  writeFileSync(join(dir2, 'packyard.yaml'), `data_dir: "${join(dir2, 'data')}"\nvcs:\n  allow_local_paths: true\n  denied_networks: []\n`);
  const { runCli } = await import('../../helpers/packyard.js');
  const r = await runCli(join(dir2, 'packyard.yaml'), ['restore', file]);
  t.equal(r.code, 0, r.stderr);
  const again = await runCli(join(dir2, 'packyard.yaml'), ['restore', file]);
  t.not(again.code, 0, 'refuses to overwrite an existing database without --force');
  t.match(again.stderr, /--force/);

  const restored = await startPackyard(t, { reuseDir: dir2 });
  const p2b = await restored.server!.app.inject({ url: '/acme/p2/acme/stable.json', headers: auth });
  t.equal(p2b.statusCode, 200, 'the old token works');
  const norm = (body: string) => body.replace(/http:\/\/127\.0\.0\.1:\d+/g, 'URL');
  t.equal(norm(p2b.body), norm(p2.body), 'same metadata');
  const distB = await restored.server!.app.inject({ url: distPath, headers: auth });
  t.equal(createHash('sha1').update(distB.rawPayload).digest('hex'), createHash('sha1').update(dist.rawPayload).digest('hex'), 'same dist bytes');
  const busyP2 = await restored.server!.app.inject({ url: '/acme/p2/acme/busy.json', headers: auth });
  t.equal(busyP2.statusCode, 200, 'the package that was updating is in a consistent state');
  const integrity = restored.deps.sqlite.pragma('integrity_check', { simple: true });
  t.equal(integrity, 'ok');
});
