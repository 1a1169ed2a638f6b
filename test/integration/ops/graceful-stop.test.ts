// `packyard serve` stops cleanly on SIGTERM: exit code 0 within the 10 s a container runtime
// waits, and a job still running at that point goes back to the queue to run again later.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../../src/config/load.js';
import { compose } from '../../../src/compose.js';
import { createLogger } from '../../../src/log.js';
import { createOrg } from '../../../src/services/orgs.js';
import { addPackage } from '../../../src/services/packages.js';
import { cliEntry } from '../../helpers/packyard.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => done(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Instance {
  dir: string;
  configFile: string;
  url: string;
  dbFile: string;
}

async function instance(t: { teardown(fn: () => unknown): void }): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), 'pky-stop-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const configFile = join(dir, 'packyard.yaml');
  writeFileSync(
    configFile,
    [
      'server:',
      `  listen: "127.0.0.1:${port}"`,
      `  public_url: "http://127.0.0.1:${port}"`,
      `data_dir: "${join(dir, 'data')}"`,
      'log_level: warn',
      'vcs:',
      '  timeout_seconds: 60',
      '  denied_networks: []', // the hanging git server listens on 127.0.0.1
      '',
    ].join('\n'),
  );
  return { dir, configFile, url: `http://127.0.0.1:${port}`, dbFile: join(dir, 'data', 'packyard.db') };
}

function serve(t: { teardown(fn: () => unknown): void }, inst: Instance): { child: ChildProcess; exited: Promise<{ code: number | null; signal: string | null; at: number }>; stderr: () => string } {
  const child = spawn(process.execPath, [cliEntry(), '--config', inst.configFile, 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal, at: Date.now() })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exited, stderr: () => stderr };
}

async function ready(url: string): Promise<void> {
  await until('/readyz', async () => {
    try {
      const res = await fetch(`${url}/readyz`);
      return res.status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  });
}

t.test('SIGTERM: the server stops and exits 0 within 10 s', async (t) => {
  const inst = await instance(t);
  const server = serve(t, inst);
  await ready(inst.url);
  const sent = Date.now();
  server.child.kill('SIGTERM');
  const end = await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), 12_000))]);
  t.ok(end, 'the process exited');
  if (!end) return;
  t.equal(end.code, 0, `exit code 0 (${server.stderr()})`);
  t.ok(end.at - sent < 10_000, `within 10 s (${end.at - sent} ms)`);
});

t.test('SIGTERM with a job in flight: exit 0 within 10 s, the job is queued again', async (t) => {
  // A "git server" that accepts connections and never answers: the update hangs in ls-remote.
  const sockets: Socket[] = [];
  const hang: Server = createServer((s) => {
    s.on('error', () => undefined);
    sockets.push(s);
  });
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    hang.close();
  });
  const gitPort = (hang.address() as { port: number }).port;

  const inst = await instance(t);
  // Set up the organization and the package (its import job queued) before the server starts.
  const deps = compose(loadConfig({ file: inst.configFile, env: {} }), { log: createLogger('silent'), processMetrics: false });
  createOrg(deps.db, 'acme', 'test');
  const policy = { allowLocalPaths: false, allowedProtocols: deps.config.vcs.allowed_protocols, vcsTypes: [...deps.drivers.keys()] };
  const { job } = addPackage(deps.db, deps.queue, policy, { org: 'acme', url: `git://127.0.0.1:${gitPort}/x.git` }, 'test');
  deps.close();

  const server = serve(t, inst);
  await ready(inst.url);
  const db = new Database(inst.dbFile, { readonly: true });
  t.teardown(() => db.close());
  const status = () => (db.prepare(`SELECT status, attempts, lease_owner FROM jobs WHERE id = ?`).get(job.id) as { status: string; attempts: number; lease_owner: string | null });
  await until('the job to run', () => (status().status === 'running' ? true : undefined));
  await until('git to connect', () => (sockets.length > 0 ? true : undefined));

  const sent = Date.now();
  server.child.kill('SIGTERM');
  const end = await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), 12_000))]);
  t.ok(end, 'the process exited');
  if (!end) return;
  t.equal(end.code, 0, `exit code 0 (${server.stderr()})`);
  t.ok(end.at - sent < 10_000, `within 10 s (${end.at - sent} ms)`);
  const after = status();
  t.equal(after.status, 'queued', 'the job is back in the queue');
  t.equal(after.lease_owner, null, 'no lease is held');
  t.equal(after.attempts, 0, 'the interrupted run does not count as an attempt');
  const pkg = db.prepare(`SELECT status FROM packages`).get() as { status: string };
  t.equal(pkg.status, 'new', 'the interruption is not recorded as a package failure');
});
