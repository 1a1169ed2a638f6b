// Builds real git repositories in temp dirs for tests: commits with fixed dates (deterministic
// ids), lightweight and annotated tags, branches, bulk history via fast-import, bare copies to serve.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export type FileContent = string | Uint8Array | null;

export interface CommitOptions {
  /** Author and committer date (ISO 8601); defaults to a fixed clock advancing one minute per commit. */
  date?: string;
  authorDate?: string;
}

export interface BulkCommit {
  files: Record<string, FileContent>;
  message: string;
  date?: string;
  /** Lightweight tag to put on this commit. */
  tag?: string;
}

export interface GitRepo {
  readonly dir: string;
  git(args: string[], input?: string | Buffer): Promise<string>;
  /** Writes (string/bytes) or deletes (null) files, commits everything, returns the commit id. */
  commit(files: Record<string, FileContent>, message: string, opts?: CommitOptions): Promise<string>;
  /** Many commits on the current branch with one fast-import process; returns their ids. */
  bulkCommits(commits: BulkCommit[]): Promise<string[]>;
  tag(name: string, opts?: { ref?: string; annotated?: boolean; message?: string; date?: string }): Promise<string>;
  deleteTag(name: string): Promise<void>;
  branch(name: string, from?: string): Promise<void>;
  checkout(name: string): Promise<void>;
  deleteBranch(name: string): Promise<void>;
  revParse(ref: string): Promise<string>;
  /** Creates (or refreshes with push --mirror) a bare copy at `dest`, HEAD on `headBranch`. */
  publishBare(dest: string, headBranch?: string): Promise<string>;
}

const START = Date.parse('2024-01-01T00:00:00Z');

/** An environment that ignores the machine's git config, so results are the same everywhere. */
export function isolatedGitEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.test',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.test',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** Runs git in `cwd` with the isolated environment. */
export async function runGit(cwd: string, args: string[], env: Record<string, string> = {}, input?: string | Buffer): Promise<string> {
  const home = tmpdir();
  if (input === undefined) {
    const { stdout } = await execFileP('git', args, { cwd, env: isolatedGitEnv(home, env), maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  }
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, env: isolatedGitEnv(home, env), maxBuffer: 256 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    // The child may exit without reading its input (EPIPE): that is its answer, not a crash.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

function epoch(date: string): number {
  const ms = Date.parse(date);
  if (Number.isNaN(ms)) throw new Error(`bad date ${date}`);
  return Math.floor(ms / 1000);
}

/** Creates a fresh temp directory (the caller removes it, e.g. with t.teardown). */
export async function makeTempDir(prefix = 'packyard-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Initialises a non-bare repository in `dir` (created if needed) on `defaultBranch`. */
export async function createGitRepo(dir: string, opts: { defaultBranch?: string } = {}): Promise<GitRepo> {
  await mkdir(dir, { recursive: true });
  const defaultBranch = opts.defaultBranch ?? 'main';
  await runGit(dir, ['init', '--quiet', `--initial-branch=${defaultBranch}`, '--template=']);
  let clock = START;
  const nextDate = (): string => {
    clock += 60_000;
    return new Date(clock).toISOString();
  };
  const dated = (date: string, authorDate = date): Record<string, string> => ({
    GIT_AUTHOR_DATE: `@${epoch(authorDate)} +0000`,
    GIT_COMMITTER_DATE: `@${epoch(date)} +0000`,
  });
  const git = (args: string[], input?: string | Buffer): Promise<string> => runGit(dir, args, {}, input);

  const repo: GitRepo = {
    dir,
    git,

    async commit(files, message, copts = {}) {
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path);
        if (content === null) {
          await rm(full, { force: true });
        } else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content);
        }
      }
      const date = copts.date ?? nextDate();
      await runGit(dir, ['add', '--all']);
      await runGit(dir, ['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message], dated(date, copts.authorDate));
      return (await git(['rev-parse', 'HEAD'])).trim();
    },

    async bulkCommits(commits) {
      const branch = (await git(['symbolic-ref', '--short', 'HEAD'])).trim();
      const parent = (await git(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim();
      const chunks: Buffer[] = [];
      const data = (content: string | Uint8Array): void => {
        const bytes = Buffer.from(content);
        chunks.push(Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n'));
      };
      commits.forEach((c, i) => {
        const when = `${epoch(c.date ?? nextDate())} +0000`;
        chunks.push(Buffer.from(`commit refs/heads/${branch}\nmark :${i + 1}\n`));
        chunks.push(Buffer.from(`author Test Author <author@example.test> ${when}\n`));
        chunks.push(Buffer.from(`committer Test Committer <committer@example.test> ${when}\n`));
        data(c.message);
        if (i === 0 && parent !== '') chunks.push(Buffer.from(`from ${parent}\n`));
        for (const [path, content] of Object.entries(c.files)) {
          if (content === null) {
            chunks.push(Buffer.from(`D ${path}\n`));
          } else {
            chunks.push(Buffer.from(`M 100644 inline ${path}\n`));
            data(content);
          }
        }
        if (c.tag !== undefined) chunks.push(Buffer.from(`reset refs/tags/${c.tag}\nfrom :${i + 1}\n`));
      });
      const marks = join(dir, '.git', 'packyard-marks');
      await git(['fast-import', '--quiet', `--export-marks=${marks}`], Buffer.concat(chunks));
      const byMark = new Map<string, string>();
      for (const line of (await readFile(marks, 'utf8')).split('\n')) {
        const [mark, sha] = line.split(' ');
        if (mark !== undefined && sha !== undefined) byMark.set(mark, sha);
      }
      await rm(marks, { force: true });
      await git(['reset', '--hard', '--quiet']);
      return commits.map((_, i) => byMark.get(`:${i + 1}`) ?? '');
    },

    async tag(name, topts = {}) {
      const ref = topts.ref ?? 'HEAD';
      if (topts.annotated === true || topts.message !== undefined) {
        await runGit(dir, ['tag', '-a', name, '-m', topts.message ?? `tag ${name}`, ref], dated(topts.date ?? nextDate()));
      } else {
        await git(['tag', name, ref]);
      }
      return (await git(['rev-parse', `refs/tags/${name}`])).trim();
    },

    async deleteTag(name) {
      await git(['tag', '-d', name]);
    },
    async branch(name, from = 'HEAD') {
      await git(['branch', name, from]);
    },
    async checkout(name) {
      await git(['checkout', '--quiet', name]);
    },
    async deleteBranch(name) {
      await git(['branch', '-D', name]);
    },
    async revParse(ref) {
      return (await git(['rev-parse', '--verify', ref])).trim();
    },

    async publishBare(dest, headBranch = defaultBranch) {
      await mkdir(dest, { recursive: true });
      await runGit(dest, ['init', '--quiet', '--bare', '--template=']);
      // push --mirror also deletes refs that are gone here (deleted tags and branches).
      await git(['push', '--quiet', '--mirror', dest]);
      await runGit(dest, ['symbolic-ref', 'HEAD', `refs/heads/${headBranch}`]);
      return dest;
    },
  };
  return repo;
}
