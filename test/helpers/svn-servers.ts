// Subversion fixtures and loopback servers for tests: a repository builder (one svnmucc commit per
// step), svnserve with user/password, Apache httpd + mod_dav_svn with basic auth, and svn+ssh
// URLs for the throwaway sshd. Every server: free port, temp dir, bounded readiness wait, close().

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeDir } from './git-repo.js';
import type { TestSshd } from './sshd.js';
import { canConnect, freePort } from './net.js';

export { freePort };

const execFileP = promisify(execFile);

/** File contents by path relative to the ref's package directory; null deletes the file. */
export type SvnFiles = Record<string, string | Buffer | null>;

export type SvnStep =
  /** Commits files to trunk (under the package path). */
  | { trunk: SvnFiles; message?: string }
  /** Copies `from` (default the trunk directory; or a repository path such as "branches/x") to the tags directory as NAME, with file changes in the same revision. */
  | { tag: string; from?: string; files?: SvnFiles; message?: string }
  /** Same for a branch. */
  | { branch: string; from?: string; files?: SvnFiles; message?: string }
  /** Commits files to an existing branch or tag directory (repository path, e.g. "branches/x"). */
  | { commitTo: string; files: SvnFiles; message?: string }
  /** Raw svnmucc operations relative to the repository root (e.g. ["rm", "tags/1.0"]). */
  | { ops: string[]; message?: string };

export interface SvnRepoSpec {
  /** Repository layout; defaults trunk, branches, tags. false: that directory is not created. */
  trunkPath?: string | false;
  branchesPath?: string | false;
  tagsPath?: string | false;
  /** Sub-directory of every ref that holds the package (composer's package-path). */
  packagePath?: string;
  steps: SvnStep[];
}

export interface SvnRepo {
  /** The repository directory (svnadmin create). */
  dir: string;
  /** file:// URL of the repository root. */
  url: string;
  /** The revision each step created, in step order (revision 1 creates the layout). */
  revisions: number[];
  head: number;
}

function clean(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

async function svnmucc(url: string, message: string, ops: string[]): Promise<void> {
  await execFileP('svnmucc', ['--non-interactive', '--no-auth-cache', '-m', message, '-U', url, ...ops], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', HOME: '/nonexistent' },
  });
}

/** svnmucc ops that create every missing parent of `path` (already-made ones tracked in `made`). */
function mkdirs(path: string, made: Set<string>): string[] {
  const ops: string[] = [];
  const parts = clean(path).split('/').filter((p) => p !== '');
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join('/');
    if (!made.has(p)) {
      made.add(p);
      ops.push('mkdir', p);
    }
  }
  return ops;
}

/** Creates an svn repository at `dir` (parents are created; `dir` must not exist or be empty) following `spec`. */
export async function makeSvnRepo(dir: string, spec: SvnRepoSpec): Promise<SvnRepo> {
  await mkdir(dirname(dir), { recursive: true });
  await execFileP('svnadmin', ['create', dir]);
  const url = `file://${dir}`;
  const trunk = spec.trunkPath === undefined ? 'trunk' : spec.trunkPath;
  const branches = spec.branchesPath === undefined ? 'branches' : spec.branchesPath;
  const tags = spec.tagsPath === undefined ? 'tags' : spec.tagsPath;
  const pkg = clean(spec.packagePath ?? '');
  const made = new Set<string>();
  const layoutOps = [trunk, branches, tags].flatMap((p) => (p === false || clean(p) === '' ? [] : mkdirs(p, made)));
  const staging = await makeTempDir('packyard-svn-files-');
  let fileNo = 0;
  const trunkDir = trunk === false ? '' : clean(trunk);
  const join2 = (...parts: string[]) => parts.map(clean).filter((p) => p !== '').join('/');
  try {
    let rev = 0;
    if (layoutOps.length > 0) {
      await svnmucc(url, 'layout', layoutOps);
      rev++;
    }
    const fileOps = async (base: string, files: SvnFiles | undefined, existing: Set<string>): Promise<string[]> => {
      const ops: string[] = [];
      for (const [name, content] of Object.entries(files ?? {})) {
        const path = join2(base, pkg, name);
        if (content === null) {
          ops.push('rm', path);
          continue;
        }
        const parent = path.split('/').slice(0, -1).join('/');
        if (parent !== '') ops.push(...mkdirs(parent, existing));
        const file = join(staging, `f${++fileNo}`);
        await writeFile(file, content);
        ops.push('put', file, path);
      }
      return ops;
    };
    const revisions: number[] = [];
    for (const step of spec.steps) {
      let ops: string[];
      if ('trunk' in step) {
        ops = await fileOps(trunkDir, step.trunk, made);
      } else if ('tag' in step || 'branch' in step) {
        const parentDir = 'tag' in step ? tags : branches;
        if (parentDir === false) throw new Error('this layout has no directory for that step');
        const dest = join2(parentDir, 'tag' in step ? step.tag : step.branch);
        // Paths below a fresh copy exist already: they must not be created again.
        const existing = new Set([...made].filter((p) => p !== dest && !p.startsWith(`${dest}/`)));
        existing.add(dest);
        for (const p of made) if (p.startsWith(`${clean(step.from ?? trunkDir)}/`)) existing.add(`${dest}/${p.slice(clean(step.from ?? trunkDir).length + 1)}`);
        ops = ['cp', 'HEAD', clean(step.from ?? trunkDir) || '.', dest, ...(await fileOps(dest, step.files, existing))];
        for (const p of existing) made.add(p);
      } else if ('commitTo' in step) {
        ops = await fileOps(step.commitTo, step.files, made);
      } else {
        ops = step.ops;
      }
      await svnmucc(url, step.message ?? 'step', ops);
      revisions.push(++rev);
    }
    return { dir, url, revisions, head: rev };
  } finally {
    await removeDir(staging);
  }
}



function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Polls until the port accepts connections, the child exits, or the deadline passes. */
async function waitReady(child: ChildProcess, port: number, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  let exited = child.exitCode !== null;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline && !exited) {
    if (await canConnect(port)) return !exited;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

export interface SvnServer {
  readonly port: number;
  /** PEM file to trust for a TLS server (its self-signed certificate). */
  readonly caFile?: string | undefined;
  /** URL of repository `name` (a directory under the server's root). */
  url(name: string): string;
  close(): Promise<void>;
}

/** Starts `start(port)` on free ports until one binds (a port can be taken between probe and bind). */
async function startOnFreePort(
  what: string,
  dir: string,
  start: (port: number) => Promise<ChildProcess>,
  url: (port: number, name: string) => string,
  caFile?: string,
): Promise<SvnServer> {
  let lastLog = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = await start(port);
    let log = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => (log = (log + c).slice(-4000)));
    if (await waitReady(child, port, 15_000)) {
      return {
        port,
        caFile,
        url: (name) => url(port, name),
        close: async () => {
          child.kill('SIGTERM');
          await waitForExit(child);
          await removeDir(dir);
        },
      };
    }
    child.kill('SIGKILL');
    await waitForExit(child);
    lastLog = log;
  }
  await removeDir(dir);
  throw new Error(`${what} did not start: ${lastLog.trim()}`);
}

/** svnserve (native svn:// protocol) over the repositories under `root`, one user with a password. */
export async function startSvnserve(root: string, auth: { username: string; password: string }): Promise<SvnServer> {
  const dir = await makeTempDir('packyard-svnserve-');
  await writeFile(join(dir, 'passwd'), `[users]\n${auth.username} = ${auth.password}\n`, { mode: 0o600 });
  const configFile = join(dir, 'svnserve.conf');
  await writeFile(configFile, '[general]\nanon-access = none\nauth-access = write\npassword-db = passwd\nrealm = packyard-test\n');
  return startOnFreePort(
    'svnserve',
    dir,
    async (port) =>
      spawn(
        'svnserve',
        ['-d', '--foreground', '--listen-host', '127.0.0.1', '--listen-port', String(port), '-r', root, '--config-file', configFile, '--log-file', join(dir, 'log')],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    (port, name) => `svn://127.0.0.1:${port}/${name}`,
  );
}

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

/** Apache httpd with mod_dav_svn (SVNParentPath `root`) behind HTTP basic auth, at /svn/NAME; `tls` serves https with a self-signed certificate (`caFile`). */
export async function startApacheSvn(
  root: string,
  auth: { username: string; password: string },
  opts: { tls?: boolean } = {},
): Promise<SvnServer> {
  const dir = await makeTempDir('packyard-apache-svn-');
  const tls = opts.tls === true;
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (tls) {
    // A self-signed certificate for 127.0.0.1; `caFile` hands it to clients as their CA.
    await execFileP('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ]);
  }
  const htpasswd = join(dir, 'htpasswd');
  await new Promise<void>((resolve, reject) => {
    const child = execFile('htpasswd', ['-i', '-c', '-B', htpasswd, auth.username], (err) => (err ? reject(err) : resolve()));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(`${auth.password}\n`);
  });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // httpd refuses to serve as root: its workers run as nobody, who must read the repositories.
    await execFileP('chmod', ['-R', 'a+rX', root, dir]);
    await chmod(dir, 0o755);
    // …and reach them: temp directories are 0700, so their ancestors get search (x) permission.
    for (let p = dirname(root); p !== dirname(p); p = dirname(p)) {
      const mode = (await stat(p)).mode & 0o7777;
      if ((mode & 0o001) === 0) await chmod(p, mode | 0o011);
    }
  }
  const modules = [
    ['mpm_prefork_module', 'mod_mpm_prefork.so'],
    ['authn_core_module', 'mod_authn_core.so'],
    ['authn_file_module', 'mod_authn_file.so'],
    ['authz_core_module', 'mod_authz_core.so'],
    ['authz_user_module', 'mod_authz_user.so'],
    ['auth_basic_module', 'mod_auth_basic.so'],
    ['dav_module', 'mod_dav.so'],
    ['dav_svn_module', 'mod_dav_svn.so'],
    ...(tls ? [['ssl_module', 'mod_ssl.so']] : []),
  ];
  return startOnFreePort(
    'apache2',
    dir,
    async (port) => {
      const config = [
        `ServerRoot "${dir}"`,
        `Listen 127.0.0.1:${port}`,
        'ServerName 127.0.0.1',
        `PidFile "${join(dir, `httpd-${port}.pid`)}"`,
        `ErrorLog "${join(dir, 'error.log')}"`,
        'LogLevel warn',
        `DefaultRuntimeDir "${dir}"`,
        `Mutex file:${dir} default`,
        ...modules.map(([name, file]) => `LoadModule ${name} ${MODULES}/${file}`),
        ...(asRoot ? ['User nobody', 'Group nogroup'] : []),
        'StartServers 1',
        'MinSpareServers 1',
        'MaxSpareServers 2',
        ...(tls ? ['SSLEngine on', `SSLCertificateFile "${cert}"`, `SSLCertificateKeyFile "${key}"`, 'SSLSessionCache none'] : []),
        '<Location /svn>',
        '  DAV svn',
        `  SVNParentPath "${root}"`,
        '  AuthType Basic',
        '  AuthName "packyard-test"',
        `  AuthUserFile "${htpasswd}"`,
        '  Require valid-user',
        '</Location>',
      ].join('\n');
      const configFile = join(dir, `httpd-${port}.conf`);
      await writeFile(configFile, `${config}\n`);
      await chmod(configFile, 0o644);
      // Its own process group: httpd signals its whole group when it stops, which would include us.
      return spawn(APACHE, ['-f', configFile, '-DFOREGROUND'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C' },
      });
    },
    (port, name) => `${tls ? 'https' : 'http'}://127.0.0.1:${port}/svn/${name}`,
    tls ? cert : undefined,
  );
}

/** svn+ssh://USER@127.0.0.1:PORT/abs/path for a repository served by `svnserve -t` through the test sshd. */
export function svnSshUrl(sshd: TestSshd, absPath: string): string {
  return sshd.url(absPath).replace(/^ssh:\/\//, 'svn+ssh://');
}

