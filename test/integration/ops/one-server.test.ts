// One server per data directory: a second `packyard serve` on the same data_dir (another port)
// refuses to start with one clear line and rewrites nothing; the CLI works beside the server;
// after a kill -9 of the server, a new one starts at once.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { cliEntry, runCli } from '../../helpers/packyard.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { freePort } from '../../helpers/net.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

function config(dir: string, name: string, port: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `server:\n  listen: "127.0.0.1:${port}"\n  public_url: "http://127.0.0.1:${port}"\ndata_dir: "${join(dir, 'data')}"\nlog_level: warn\n`);
  return file;
}

interface Serve {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stderr: () => string;
}

function serve(configFile: string): Serve {
  const child = spawn(process.execPath, [cliEntry(), '--config', configFile, 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stderr: () => err };
}

/** Waits until the server says it listens, or fails when it exits first. */
async function listening(s: Serve): Promise<void> {
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no "listening" within 60 s: ${s.stderr()}`)), 60_000);
    const check = () => {
      if (/listening on/.test(s.stderr())) {
        clearTimeout(timer);
        ok();
      }
    };
    s.child.stderr!.on('data', check);
    void s.exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}: ${s.stderr()}`));
    });
    check();
  });
}

t.test('a second server on one data_dir refuses to start; the CLI works beside the first', async (t) => {
  const dir = await makeTempDir('pky-one-server-');
  t.teardown(() => removeDir(dir));
  const first = config(dir, 'first', await freePort());
  const second = config(dir, 'second', await freePort());
  const a = serve(first);
  t.teardown(() => a.child.kill('SIGKILL'));
  await listening(a);

  const b = serve(second);
  t.teardown(() => b.child.kill('SIGKILL'));
  t.equal(await b.exited, 1, 'the second server exits non-zero');
  const lines = b.stderr().trim().split('\n');
  t.equal(lines.length, 1, 'one line on stderr');
  t.match(lines[0], new RegExp(`^packyard: Another Packyard server \\(pid ${a.child.pid} on .+\\) is using data_dir ${join(dir, 'data')}; stop it first\\.$`));
  const db = new Database(join(dir, 'data', 'packyard.db'), { readonly: true });
  const url = db.prepare(`SELECT value FROM settings WHERE key = 'public_url'`).get() as { value: string } | undefined;
  db.close();
  t.match(url?.value, /^http:\/\/127\.0\.0\.1:/);
  t.equal(url?.value, (/public_url: "([^"]+)"/.exec(await import('node:fs').then((f) => f.readFileSync(first, 'utf8'))) ?? [])[1], "the stored public_url is still the first server's");

  const cli = await runCli(second, ['org', 'create', 'acme']);
  t.equal(cli.code, 0, `the CLI works beside the running server: ${cli.stderr}`);

  a.child.kill('SIGKILL');
  t.equal(await a.exited, null, 'the first server was killed');
  const c = serve(second);
  t.teardown(() => c.child.kill('SIGKILL'));
  await listening(c);
  t.pass('a new server starts after a kill -9 of the first');
  c.child.kill('SIGTERM');
  t.equal(await c.exited, 0, 'and stops gracefully');
});
