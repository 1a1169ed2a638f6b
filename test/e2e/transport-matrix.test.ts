// The transport matrix: {git, hg, svn} × {ssh, https basic auth, native protocol}. In each cell a
// private repository is served by a real server on loopback (sshd; git http-backend / hgweb behind
// nginx over https with a self-signed CA given to the credential / Apache mod_dav_svn; git daemon / hg serve / svnserve), added to Packyard with the CLI, and
// Debian's real composer requires a tagged version and the default branch's dev version through
// Packyard. Every {vcs × transport} combination exists, so no cell is marked impossible; the
// native protocols carry no credential except svnserve, whose own user/password is used. The
// https cells of hg and svn use self-signed certificates whose CA the credential carries.
import t, { type Test } from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../helpers/git-repo.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { startGitDaemon } from '../helpers/git-daemon.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { composerProject, writeAuth } from '../helpers/composer.js';
import { makeHgRepo, startHgHttpAuth, startHgServe } from '../helpers/hg-servers.js';
import { makeSvnRepo, startApacheSvn, startSvnserve, svnSshUrl } from '../helpers/svn-servers.js';

type Vcs = 'git' | 'hg' | 'svn';
type Transport = 'ssh' | 'http-basic' | 'native';

/** What a cell hands to Packyard: the URL, the credential (CLI args of `credential add`), the dev version. */
interface Served {
  url: string;
  credential?: { args: string[]; stdin?: string };
  devVersion: string;
}

interface CellContext {
  work: string;
  sshd: TestSshd;
  /** Registers a server (or anything) to stop when the test ends. */
  teardown(fn: () => Promise<void> | void): void;
}

/** Files of the fixture: the tag 1.0.0 has VERSION "tagged", the default branch moves on to "dev". */
const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;
const PASSWORD = 'matrix-pass-0123';

type CellBuilder = (name: string, ctx: CellContext) => Promise<Served>;

/** The client key, in a file of the cell's own (cells run at once: no shared file rewritten). */
const sshKeyCredential = (ctx: CellContext, name: string): { args: string[] } => {
  const keyFile = join(ctx.work, `id_ed25519-${name.replace('/', '-')}`);
  writeFileSync(keyFile, ctx.sshd.clientKey, { mode: 0o600 });
  return { args: ['--type', 'ssh-key', '--private-key-file', keyFile] };
};
const basicCredential = { args: ['--type', 'http-basic', '--username', 'matrix', '--password-stdin'], stdin: `${PASSWORD}\n` };

async function gitFixture(dir: string, name: string, bare: string): Promise<string> {
  const repo = await createGitRepo(dir, { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': json({ name }), 'VERSION': 'tagged\n' }, 'release');
  await repo.tag('1.0.0');
  await repo.commit({ 'VERSION': 'dev\n' }, 'work in progress');
  return repo.publishBare(bare, 'main');
}

const git: Record<Transport, CellBuilder> = {
  ssh: async (name, ctx) => {
    const bare = await gitFixture(join(ctx.work, 'git-ssh-src'), name, join(ctx.work, 'git-ssh', 'repo.git'));
    return { url: ctx.sshd.url(bare), credential: sshKeyCredential(ctx, name), devVersion: 'dev-main' };
  },
  'http-basic': async (name, ctx) => {
    await gitFixture(join(ctx.work, 'git-http-src'), name, join(ctx.work, 'git-http', 'repo.git'));
    const server = await startGitHttpServer({ root: join(ctx.work, 'git-http'), username: 'matrix', password: PASSWORD });
    ctx.teardown(() => server.close());
    return { url: server.url('repo.git'), credential: basicCredential, devVersion: 'dev-main' };
  },
  native: async (name, ctx) => {
    await gitFixture(join(ctx.work, 'git-native-src'), name, join(ctx.work, 'git-native', 'repo.git'));
    const daemon = await startGitDaemon(join(ctx.work, 'git-native'));
    ctx.teardown(() => daemon.close());
    return { url: daemon.url('repo.git'), devVersion: 'dev-main' };
  },
};

async function hgFixture(dir: string, name: string): Promise<string> {
  const repo = await makeHgRepo(dir);
  await repo.commit({ 'composer.json': json({ name }), 'VERSION': 'tagged\n' }, 'release');
  await repo.tag('1.0.0');
  await repo.commit({ 'VERSION': 'dev\n' }, 'work in progress');
  return repo.dir;
}

const hg: Record<Transport, CellBuilder> = {
  // `hg serve --stdio` through sshd; an absolute path needs the double slash.
  ssh: async (name, ctx) => {
    const dir = await hgFixture(join(ctx.work, 'hg-ssh'), name);
    return { url: ctx.sshd.url(`/${dir}`), credential: sshKeyCredential(ctx, name), devVersion: 'dev-default' };
  },
  // hgweb behind nginx with basic auth over https with a self-signed certificate: the credential
  // carries its CA (--ca-file).
  'http-basic': async (name, ctx) => {
    const dir = await hgFixture(join(ctx.work, 'hg-http'), name);
    const server = await startHgHttpAuth(dir, { username: 'matrix', password: PASSWORD }, { tls: true });
    ctx.teardown(() => server.close());
    return { url: server.url, credential: { args: [...basicCredential.args, '--ca-file', server.caFile!], stdin: basicCredential.stdin }, devVersion: 'dev-default' };
  },
  native: async (name, ctx) => {
    const dir = await hgFixture(join(ctx.work, 'hg-native'), name);
    const server = await startHgServe(dir);
    ctx.teardown(() => server.close());
    return { url: server.url, devVersion: 'dev-default' };
  },
};

/** Repository `repo` under `root`: trunk with composer.json, tag 1.0.0, then trunk moves on. */
async function svnFixture(root: string, name: string): Promise<string> {
  const repo = await makeSvnRepo(join(root, 'repo'), {
    steps: [
      { trunk: { 'composer.json': json({ name }), 'VERSION': 'tagged\n' }, message: 'release' },
      { tag: '1.0.0' },
      { trunk: { 'VERSION': 'dev\n' }, message: 'work in progress' },
    ],
  });
  return repo.dir;
}

const svn: Record<Transport, CellBuilder> = {
  // svn+ssh: `svnserve -t` through sshd.
  ssh: async (name, ctx) => {
    const dir = await svnFixture(join(ctx.work, 'svn-ssh'), name);
    return { url: svnSshUrl(ctx.sshd, dir), credential: sshKeyCredential(ctx, name), devVersion: 'dev-trunk' };
  },
  // Apache mod_dav_svn with basic auth over https (self-signed; the credential carries the CA).
  'http-basic': async (name, ctx) => {
    const root = join(ctx.work, 'svn-http');
    await svnFixture(root, name);
    const server = await startApacheSvn(root, { username: 'matrix', password: PASSWORD }, { tls: true });
    ctx.teardown(() => server.close());
    return { url: server.url('repo'), credential: { args: [...basicCredential.args, '--ca-file', server.caFile!], stdin: basicCredential.stdin }, devVersion: 'dev-trunk' };
  },
  // svnserve: svn's own protocol, with svnserve's user and password.
  native: async (name, ctx) => {
    const root = join(ctx.work, 'svn-native');
    await svnFixture(root, name);
    const server = await startSvnserve(root, { username: 'matrix', password: PASSWORD });
    ctx.teardown(() => server.close());
    return { url: server.url('repo'), credential: basicCredential, devVersion: 'dev-trunk' };
  },
};

const MATRIX: Record<Vcs, Record<Transport, CellBuilder>> = { git, hg, svn };

async function requireAndCheck(t: Test, pky: TestPackyard, token: string, name: string, served: Served): Promise<void> {
  const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }], 'minimum-stability': 'dev' });
  t.teardown(() => project.cleanup());
  writeAuth(project, new URL(pky.url).host, token);
  const tagged = await project.run(['require', `${name}:1.0.0`]);
  t.equal(tagged.code, 0, `composer require ${name}:1.0.0: ${tagged.stderr.slice(-800)}`);
  const file = join(project.dir, 'vendor', ...name.split('/'), 'VERSION');
  t.equal(existsSync(file) ? readFileSync(file, 'utf8') : '(missing)', 'tagged\n', 'the tagged version is installed');
  const dev = await project.run(['require', `${name}:${served.devVersion}`]);
  t.equal(dev.code, 0, `composer require ${name}:${served.devVersion}: ${dev.stderr.slice(-800)}`);
  t.equal(existsSync(file) ? readFileSync(file, 'utf8') : '(missing)', 'dev\n', 'the dev version is installed');
}

t.test('transport matrix: composer installs a tag and a dev version in every cell', async (t) => {
  const work = await makeTempDir('pky-matrix-');
  t.teardown(() => removeDir(work));
  const sshd = await startSshd();
  t.teardown(() => sshd.close());
  const pky = await startPackyard(t);
  const cli = async (args: string[], stdin?: string) => {
    const r = await pky.cli(args, stdin !== undefined ? { stdin } : {});
    t.equal(r.code, 0, `packyard ${args.join(' ')}: ${(r.stderr + r.stdout).trim().slice(-600)}`);
    return r;
  };
  await cli(['org', 'create', 'acme']);
  const token = (await cli(['token', 'create', '--org', 'acme', '--name', 'matrix'])).stdout.trim();

  // The cells share only the sshd and Packyard (each has its own package, credential, server,
  // directories and composer project) and mostly wait on servers and composer: three at a time.
  t.jobs = 3;
  for (const vcs of ['git', 'hg', 'svn'] as const) {
    const row = MATRIX[vcs];
    for (const transport of ['ssh', 'http-basic', 'native'] as const) {
      void t.test(`${vcs} over ${transport}`, async (t) => {
        const name = `acme/${vcs}-${transport}`;
        const served = await row[transport](name, { work, sshd, teardown: (fn) => t.teardown(fn) });
        const credentialName = `${vcs}-${transport}`;
        const addArgs = ['package', 'add', '--org', 'acme', served.url, '--type', vcs];
        if (served.credential) {
          await cli(['credential', 'add', '--org', 'acme', credentialName, ...served.credential.args], served.credential.stdin);
          addArgs.push('--credential', credentialName);
        }
        const added = await cli(addArgs);
        t.match(added.stdout, new RegExp(`${name}: added`), `imported: ${added.stdout.trim()}`);
        await requireAndCheck(t, pky, token, name, served);
      });
    }
  }
});
