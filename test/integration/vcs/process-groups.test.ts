// Nothing a VCS command starts outlives it: the whole process group is killed on timeout and when
// the command exits (a helper left running), and when the Packyard process is killed with
// SIGKILL the running command is killed by the kernel (setpriv --pdeathsig).
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runProcess } from '../../../src/vcs/process.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { waitFor } from '../../helpers/wait.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('a timeout kills the command and what it started', async (t) => {
  const r = await runProcess('sh', ['-c', 'sleep 300 & echo $!; wait'], { env, timeoutMs: 500 });
  t.equal(r.outcome, 'timeout');
  const pid = Number(r.outcome === 'timeout' ? r.stdout.toString().trim() : NaN);
  t.ok(pid > 0, 'the helper started');
  await waitFor('the helper to be gone', () => (alive(pid) ? null : true), 10_000);
  t.pass('the helper is gone');
});

t.test('a helper left running when the command exits is killed', async (t) => {
  const r = await runProcess('sh', ['-c', 'sleep 300 >/dev/null 2>&1 & echo $!'], { env, timeoutMs: 30_000 });
  t.equal(r.outcome, 'exited');
  const pid = Number(r.outcome === 'exited' ? r.stdout.toString().trim() : NaN);
  t.ok(pid > 0);
  await waitFor('the helper to be gone', () => (alive(pid) ? null : true), 10_000);
  t.pass('the helper is gone');
});

t.test('a command not installed is a spawn failure', async (t) => {
  const r = await runProcess('packyard-no-such-command', [], { env, timeoutMs: 30_000 });
  t.equal(r.outcome, 'spawn-failed');
});

t.test('kill -9 of the Packyard process kills its running command', { skip: process.platform !== 'linux' && 'Linux only (pdeathsig)' }, async (t) => {
  const dir = await makeTempDir('pky-pdeath-');
  t.teardown(() => removeDir(dir));
  const pidFile = join(dir, 'pid');
  const script = `
    import { runProcess } from ${JSON.stringify(join(ROOT, 'src', 'vcs', 'process.ts'))};
    await runProcess('sh', ['-c', 'echo $$ > ${pidFile}; exec sleep 300'], { env: { PATH: process.env.PATH }, timeoutMs: 600000 });
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: 'ignore' });
  t.teardown(() => parent.kill('SIGKILL'));
  const pid = await waitFor('the command to start', () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '' ? Number(readFileSync(pidFile, 'utf8')) : null), 60_000);
  t.ok(alive(pid), 'the command runs');
  const exited = new Promise((r) => parent.once('exit', r));
  parent.kill('SIGKILL');
  await exited;
  await waitFor('the command to be gone', () => (alive(pid) ? null : true), 10_000);
  t.pass('the command died with its parent');
});
