// data_dir/tmp: every process works in its own subdirectory, removed when it exits; what a dead
// process left (a decrypted key after a crash) is removed at the next start; a live process's
// directory is never touched.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openProcessScratch } from '../../../src/services/scratch.js';
import { processStart } from '../../../src/jobs/process-identity.js';
import { startPackyard } from '../../helpers/packyard.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';

t.test("dead processes' directories go, live ones stay", async (t) => {
  const root = await makeTempDir('pky-scratch-');
  t.teardown(() => removeDir(root));
  const live = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.teardown(() => live.kill('SIGKILL'));
  const liveDir = `${live.pid}-${processStart(live.pid!) ?? ''}-aaaa`;
  const dirs = {
    dead: '2147483646-1-bbbb',
    reusedPid: `${live.pid}-1-cccc`,
    legacy: 'git-Xy12ab',
    live: liveDir,
  };
  for (const d of Object.values(dirs)) {
    mkdirSync(join(root, d));
    writeFileSync(join(root, d, 'id_key'), 'PRIVATE KEY');
  }
  const mine = openProcessScratch(root);
  t.same(readdirSync(root).sort(), [liveDir, mine.dir.slice(root.length + 1)].sort(), 'only the live process and this one keep a directory');
  mine.remove();
  t.notOk(existsSync(mine.dir), 'removed on close');
});

t.test('the CLI leaves nothing in tmp; the server cleans what a killed command left', async (t) => {
  const pky = await startPackyard(t, { listen: false });
  const tmp = join(pky.dir, 'data', 'tmp');
  const own = readdirSync(tmp);
  t.equal(own.length, 1, 'this process has its directory');
  const r = await pky.cli(['org', 'create', 'acme']);
  t.equal(r.code, 0, r.stderr);
  t.same(readdirSync(tmp), own, "the command's directory went with it");
  mkdirSync(join(tmp, '2147483646-1-dddd'));
  writeFileSync(join(tmp, '2147483646-1-dddd', 'id_key'), 'PRIVATE KEY');
  const again = await pky.cli(['org', 'create', 'other']);
  t.equal(again.code, 0, again.stderr);
  t.same(readdirSync(tmp), own, 'a dead process\'s key file was removed at the next start');
});
