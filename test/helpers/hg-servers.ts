// Mercurial fixtures and loopback servers for tests: repositories built with real hg (fixed
// dates, named branches, tags, bookmarks), native `hg serve`, and hgweb behind nginx with HTTP
// basic auth. Every server takes a free port and a temp dir; close() stops it and removes the dir.
// hg over ssh needs no server here: use test/helpers/sshd.ts with URL `sshd.url('/' + absPath)`
// (ssh://USER@127.0.0.1:PORT//abs/path; hg runs `hg -R /abs/path serve --stdio` on the server).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { makeTempDir, removeDir } from './git-repo.js';
import { canConnect, freePort } from './net.js';

export type HgFileContent = string | Uint8Array | null;

export interface HgCommitOptions {
  /** Changeset date as "UNIXSECONDS OFFSET"; defaults to a clock advancing one minute per commit. */
  date?: string;
  /** Close the current named branch with this commit. */
  closeBranch?: boolean;
}

export interface HgRepo {
  readonly dir: string;
  hg(args: string[], input?: string | Buffer): Promise<string>;
  /** Writes (string/bytes) or deletes (null) files, commits, returns the full node. */
  commit(files: Record<string, HgFileContent>, message: string, opts?: HgCommitOptions): Promise<string>;
  /** `hg tag` (a commit on the current branch adding to .hgtags); returns the tagged node. */
  tag(name: string, opts?: { rev?: string; date?: string }): Promise<string>;
  /** Sets the named branch of the next commit (`hg branch -f`). */
  branch(name: string): Promise<void>;
  /** Updates the working copy to a revision (branch name, tag, node). */
  update(rev: string): Promise<void>;
  bookmark(name: string, rev?: string): Promise<void>;
  deleteBookmark(name: string): Promise<void>;
  /** Full node of a revision. */
  node(rev: string): Promise<string>;
}

const EPOCH = 1_700_000_000;
const execFileP = promisify(execFile);

export function hgFixtureEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    HGRCPATH: '/dev/null',
    HGPLAIN: '1',
    HGENCODING: 'utf-8',
    HGUSER: 'Fixture <fixture@example.com>',
    LANG: 'C',
    LC_ALL: 'C',
  };
}

export function runHg(cwd: string, args: string[], input?: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'hg',
      ['--noninteractive', ...args],
      { cwd, env: hgFixtureEnv(cwd), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => (err ? reject(new Error(`hg ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)),
    );
    // The child may exit without reading its input (EPIPE): that is its answer, not a crash.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** Creates (hg init) a repository in `dir` and returns a small API to build its history. */
export async function makeHgRepo(dir: string): Promise<HgRepo> {
  await mkdir(dir, { recursive: true });
  await runHg(dir, ['init', '.']);
  let clock = 0;
  const nextDate = (): string => `${EPOCH + 60 * clock++} 0`;
  const hg = (args: string[], input?: string | Buffer) => runHg(dir, args, input);
  const node = async (rev: string) => (await hg(['log', '-r', rev, '-T', '{node}'])).trim();
  return {
    dir,
    hg,
    node,
    async commit(files, message, opts = {}) {
      for (const [path, content] of Object.entries(files)) {
        const file = join(dir, path);
        if (content === null) {
          await hg(['remove', '-f', '--', `path:${path}`]);
        } else {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, content);
        }
      }
      await hg(['addremove', '-q']);
      await hg(['commit', '-m', message, '-d', opts.date ?? nextDate(), ...(opts.closeBranch ? ['--close-branch'] : [])]);
      return node('.');
    },
    async tag(name, opts = {}) {
      await hg(['tag', '-d', opts.date ?? nextDate(), ...(opts.rev ? ['-r', opts.rev] : []), '--', name]);
      return node(opts.rev ?? '.^');
    },
    async branch(name) {
      await hg(['branch', '-f', '-q', '--', name]);
    },
    async update(rev) {
      await hg(['update', '-q', '-C', '-r', rev]);
    },
    async bookmark(name, rev) {
      await hg(['bookmark', '-f', ...(rev ? ['-r', rev] : []), '--', name]);
      // Bookmarks are not activated by the fixture; composer strips the active marker anyway.
      await hg(['bookmark', '-i']).catch(() => undefined);
    },
    async deleteBookmark(name) {
      await hg(['bookmark', '-d', '--', name]);
    },
  };
}

export interface HgServer {
  /** http://127.0.0.1:PORT/ (the repository is served at the root); https:// with `tls`. */
  readonly url: string;
  readonly port: number;
  /** With `tls`: PEM of the self-signed certificate (a CA file that makes it trusted). */
  readonly caFile?: string;
  close(): Promise<void>;
}



function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await waitForExit(child);
}

/** Polls until the port accepts connections, the process exits, or the deadline passes. */
async function waitReady(child: ChildProcess, port: number, deadlineMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  let exited = child.exitCode !== null;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline && !exited) {
    if (await canConnect(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

/** Starts `hg serve` for repoDir on 127.0.0.1:PORT, retrying on a port race. */
async function spawnHgServe(repoDir: string, home: string): Promise<{ child: ChildProcess; port: number }> {
  let lastLog = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      'hg',
      ['serve', '-R', repoDir, '-a', '127.0.0.1', '-p', String(port), '--config', 'web.push_ssl=false', '--accesslog', '/dev/null'],
      { env: hgFixtureEnv(home), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => (log = (log + c).slice(-4000)));
    if (await waitReady(child, port)) return { child, port };
    child.kill('SIGKILL');
    await waitForExit(child);
    lastLog = log;
  }
  throw new Error(`hg serve did not start: ${lastLog.trim()}`);
}

/** Native `hg serve` (Mercurial's own HTTP protocol, no auth) on a free loopback port. */
export async function startHgServe(repoDir: string): Promise<HgServer> {
  const home = await makeTempDir('packyard-hgserve-');
  try {
    const { child, port } = await spawnHgServe(repoDir, home);
    return {
      url: `http://127.0.0.1:${port}/`,
      port,
      close: async () => {
        await stop(child);
        await removeDir(home);
      },
    };
  } catch (e) {
    await removeDir(home);
    throw e;
  }
}

const NGINX = '/usr/sbin/nginx';

/**
 * hgweb (`hg serve` on a private loopback port) behind nginx with HTTP basic auth for one user.
 * Requests without valid credentials get nginx's 401 (hg: "abort: authorization failed").
 */
export async function startHgHttpAuth(
  repoDir: string,
  auth: { username: string; password: string },
  opts: { tls?: boolean } = {},
): Promise<HgServer> {
  const dir = await makeTempDir('packyard-hgweb-');
  let backend: ChildProcess | undefined;
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    if (opts.tls) {
      // A self-signed certificate for 127.0.0.1: untrusted unless the client is given it as CA.
      await execFileP('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
      ]);
    }
    const served = await spawnHgServe(repoDir, dir);
    backend = served.child;
    // nginx accepts {SHA} (base64 of SHA-1) entries; no extra tool needed.
    const sha = createHash('sha1').update(auth.password).digest('base64');
    await writeFile(join(dir, 'htpasswd'), `${auth.username}:{SHA}${sha}\n`, { mode: 0o600 });
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, sub));
    let lastLog = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const config = [
        // One process, no user switch: works as root and as an ordinary user, reads the 0600 htpasswd.
        'daemon off;',
        'master_process off;',
        'worker_processes 1;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${join(dir, 'body')};`,
        `  proxy_temp_path ${join(dir, 'proxy')};`,
        `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
        `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
        `  scgi_temp_path ${join(dir, 'scgi')};`,
        '  server {',
        `    listen 127.0.0.1:${port}${opts.tls ? ' ssl' : ''};`,
        ...(opts.tls ? [`    ssl_certificate ${cert};`, `    ssl_certificate_key ${key};`] : []),
        '    client_max_body_size 0;',
        '    location / {',
        '      auth_basic "hg";',
        `      auth_basic_user_file ${join(dir, 'htpasswd')};`,
        `      proxy_pass http://127.0.0.1:${served.port};`,
        '      proxy_http_version 1.1;',
        '      proxy_set_header Host $http_host;',
        '      proxy_buffering off;',
        '    }',
        '  }',
        '}',
      ].join('\n');
      const configFile = join(dir, 'nginx.conf');
      await writeFile(configFile, `${config}\n`);
      const child = spawn(NGINX, ['-p', dir, '-c', configFile, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (c: string) => (log = (log + c).slice(-4000)));
      if (await waitReady(child, port)) {
        const hg = backend;
        return {
          url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
          port,
          ...(opts.tls ? { caFile: cert } : {}),
          close: async () => {
            await stop(child);
            await stop(hg);
            await removeDir(dir);
          },
        };
      }
      child.kill('SIGKILL');
      await waitForExit(child);
      lastLog = log;
    }
    throw new Error(`nginx did not start: ${lastLog.trim()}`);
  } catch (e) {
    if (backend) await stop(backend);
    await removeDir(dir);
    throw e;
  }
}

/** A TCP server that accepts connections and never answers (for timeout tests). */
export async function startSilentServer(): Promise<HgServer> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

