// The git Driver: ls-remote for cheap change detection, a bare mirror refreshed with fetch --prune,
// batched reads (cat-file --batch, log --stdin) and deterministic zips (git archive).
// Locking is left to the caller: one job per package at a time (jobs lease) owns its mirror.

import { randomBytes } from 'node:crypto';
import { chmod, access, mkdir, mkdtemp, readFile, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../domain/errors.js';
import { gitError } from './git-errors.js';
import { sentence } from './vcs-errors.js';
import { prepareGitInvocation, type GitTransport } from './git-env.js';
import { OBJECT_ID, parseCatFileBatch, parseCatFileBatchCheck, parseCommitTimes, parseLsRemote } from './git-parse.js';
import { runProcess } from './process.js';
import { fileKey, type Driver, type DriverOptions, type FileRequest, type ReadLimit, type RemoteState } from './types.js';
import { checkRepositoryUrl, redactUrl } from './url.js';
import { credentialForUrl, gitHostSpellings, urlHost } from './credential-hosts.js';

// The driver re-checks the URL as defence in depth; the configured policy (allowed protocols,
// local paths) is enforced by the caller before a driver is built.
const GIT_PROTOCOLS = ['https', 'http', 'ssh', 'git'] as const;

const FETCH_REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

interface GitCall {
  operation: string;
  args: string[];
  /** True when the command talks to the remote (credentials and ssh settings apply). */
  remote: boolean;
  stdin?: string;
}

function transportOf(url: string): GitTransport {
  const checked = checkRepositoryUrl(url, { allowLocalPaths: true, allowedProtocols: GIT_PROTOCOLS });
  if (checked.kind === 'local') return 'local';
  if (checked.protocol === 'https' || checked.protocol === 'http') return 'http';
  return checked.protocol === 'ssh' ? 'ssh' : 'git';
}

/** A `cat-file` answer that could not be parsed: the mirror, not the remote, is at fault. */
function unreadableMirror(displayUrl: string, e: unknown): AppError {
  return new AppError('VCS_ERROR', sentence(`Could not read files from the mirror of ${displayUrl}: ${(e as Error).message}`), { url: displayUrl });
}

function assertCommit(commit: string): void {
  // Only full ids: anything else is revision syntax git would interpret (HEAD@{..}, :/text).
  if (!OBJECT_ID.test(commit)) throw new AppError('VCS_ERROR', `The revision "${commit.slice(0, 80)}" is not a full commit id.`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Builds the git driver for one repository. Throws URL_NOT_ALLOWED for unsafe URLs. */
export function createGitDriver(opts: DriverOptions): Driver {
  const transport = transportOf(opts.url);
  const displayUrl = redactUrl(opts.url);
  // The credential only when the URL's host is bound to it; git's helper then answers for the bound hosts only.
  const bound = credentialForUrl(opts);
  const target = urlHost(opts.url);
  // `origin`: what a Bearer header is scoped to (http.<origin>.extraHeader), the package URL's own host.
  const credentialScope =
    target === null ? undefined : { protocol: target.scheme, hosts: gitHostSpellings(target.scheme, bound.hosts), origin: `${target.scheme}://${target.normal}/` };
  const mirrorDir = opts.mirrorDir;
  // The last listing of this driver instance; syncMirror uses its default branch for HEAD.
  let lastState: RemoteState | undefined;

  async function git(call: GitCall): Promise<Buffer> {
    await mkdir(opts.tmpDir, { recursive: true, mode: 0o700 });
    // A fresh private HOME per command: holds ssh key material and nothing of the host's.
    const home = await mkdtemp(join(opts.tmpDir, 'git-'));
    try {
      const credential = call.remote ? bound.credential : undefined;
      const invocation = await prepareGitInvocation({
        transport: call.remote ? transport : 'local',
        credential,
        home,
        timeoutMs: opts.timeoutMs,
        connectTimeoutMs: opts.connectTimeoutMs,
        knownHosts: opts.knownHosts,
        caFile: opts.caFile,
        credentialScope,
      });
      // Never discover a repository (and its config) above the scratch directory.
      const env = { ...invocation.env, GIT_CEILING_DIRECTORIES: dirname(home) };
      const result = await runProcess('git', [...invocation.configArgs, ...call.args], {
        cwd: home,
        env,
        timeoutMs: opts.timeoutMs,
        stdin: call.stdin,
        signal: opts.signal,
      });
      if (result.outcome === 'exited' && result.code === 0) return result.stdout;
      throw gitError(result, {
        operation: call.operation,
        url: displayUrl,
        credential,
        credentialName: opts.credentialName,
        secrets: invocation.secrets,
        timeoutMs: opts.timeoutMs,
      });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }

  async function requireMirror(): Promise<void> {
    if (!(await exists(join(mirrorDir, 'HEAD')))) {
      throw new AppError('VCS_ERROR', `The mirror of ${displayUrl} does not exist yet; sync it first.`, { url: displayUrl });
    }
  }

  async function initMirror(defaultBranch: string): Promise<void> {
    if (await exists(join(mirrorDir, 'HEAD'))) return;
    if (await exists(mirrorDir)) {
      if ((await readdir(mirrorDir)).length > 0) {
        throw new AppError('VCS_ERROR', `The directory ${mirrorDir} exists but is not a git mirror; remove it to re-create the mirror.`, {
          url: displayUrl,
        });
      }
      await rmdir(mirrorDir);
    }
    await mkdir(dirname(mirrorDir), { recursive: true, mode: 0o700 });
    // Initialise beside the target and rename, so a crash never leaves a half-made mirror.
    const staging = `${mirrorDir}.init-${randomBytes(6).toString('hex')}`;
    try {
      // Starting on the default branch saves a symbolic-ref call after the first fetch.
      const initial = defaultBranch === '' ? [] : [`--initial-branch=${defaultBranch}`];
      await git({
        operation: 'init',
        args: ['init', '--bare', '--quiet', '--template=', ...initial, '--', staging],
        remote: false,
      });
      await rename(staging, mirrorDir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * The first sync is a bare clone: it writes refs as one packed-refs file, where a fetch into an
   * empty repository writes one loose file per tag (~1,000 file creations for a big repository,
   * the slowest part of a first import here). The clone's remote section is removed afterwards,
   * so the mirror keeps no trace of the remote, as after a fetch.
   */
  async function cloneMirror(): Promise<void> {
    if (await exists(mirrorDir)) await initMirror('');
    if (await exists(join(mirrorDir, 'HEAD'))) return;
    await mkdir(dirname(mirrorDir), { recursive: true, mode: 0o700 });
    const staging = `${mirrorDir}.clone-${randomBytes(6).toString('hex')}`;
    try {
      await git({
        operation: 'fetch',
        args: ['clone', '--bare', '--no-local', '--quiet', '--template=', '--no-recurse-submodules', '--', opts.url, staging],
        remote: true,
      });
      await git({ operation: 'init', args: [`--git-dir=${staging}`, 'config', '--remove-section', 'remote.origin'], remote: false });
      await rename(staging, mirrorDir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Lock files a killed git left in the mirror (index.lock, packed-refs.lock, shallow.lock,
   * refs/…/x.lock) would make every later fetch fail. The caller holds the repository's lock
   * (`repo:ID`) and a dead holder's children were killed with it (process.ts), so any lock file
   * found before the fetch starts is stale.
   */
  async function removeStaleLocks(): Promise<void> {
    const found: string[] = [];
    for (const name of await readdir(mirrorDir)) if (name.endsWith('.lock')) found.push(name);
    const refs = await readdir(join(mirrorDir, 'refs'), { recursive: true }).catch(() => [] as string[]);
    for (const name of refs) if (name.endsWith('.lock')) found.push(join('refs', name));
    await Promise.all(found.map((f) => rm(join(mirrorDir, f), { force: true })));
  }

  async function pointHeadAt(branch: string): Promise<void> {
    const wanted = `ref: refs/heads/${branch}\n`;
    const current = await readFile(join(mirrorDir, 'HEAD'), 'utf8').catch(() => '');
    if (current === wanted) return;
    await git({
      operation: 'symbolic-ref',
      args: [`--git-dir=${mirrorDir}`, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`],
      remote: false,
    });
  }

  /** readFiles under a size limit: `cat-file --batch-check` for sizes, then `--batch` by object id for the files within it. */
  async function readWithinLimit(asked: string[], limit: ReadLimit, result: Map<string, Buffer | null>): Promise<void> {
    const check = await git({
      operation: 'cat-file',
      args: [`--git-dir=${mirrorDir}`, 'cat-file', '--batch-check'],
      remote: false,
      stdin: asked.map((key) => `${key}\n`).join(''),
    });
    let objects: Array<{ oid: string; size: number } | null>;
    try {
      objects = parseCatFileBatchCheck(check.toString('utf8'), asked.length);
    } catch (e) {
      throw unreadableMirror(displayUrl, e);
    }
    const wanted: Array<{ key: string; oid: string }> = [];
    asked.forEach((key, i) => {
      const o = objects[i];
      if (o === null || o === undefined) return;
      if (o.size > limit.maxBytes) limit.oversized.set(key, o.size);
      else wanted.push({ key, oid: o.oid });
    });
    if (wanted.length === 0) return;
    const out = await git({
      operation: 'cat-file',
      args: [`--git-dir=${mirrorDir}`, 'cat-file', '--batch'],
      remote: false,
      stdin: wanted.map((w) => `${w.oid}\n`).join(''),
    });
    let answers: Array<Buffer | null>;
    try {
      answers = parseCatFileBatch(out, wanted.length);
    } catch (e) {
      throw unreadableMirror(displayUrl, e);
    }
    wanted.forEach((w, i) => result.set(w.key, answers[i] ?? null));
  }

  const driver: Driver = {
    type: 'git',

    async listRemote() {
      const out = await git({
        operation: 'ls-remote',
        args: ['ls-remote', '--symref', '--', opts.url, 'HEAD', 'refs/heads/*', 'refs/tags/*'],
        remote: true,
      });
      lastState = parseLsRemote(out.toString('utf8'));
      return { defaultBranch: lastState.defaultBranch, refs: lastState.refs.map((r) => ({ ...r })) };
    },

    async syncMirror() {
      const state = lastState ?? (await driver.listRemote());
      if (!(await exists(join(mirrorDir, 'HEAD')))) {
        await cloneMirror();
        if (state.defaultBranch !== '') await pointHeadAt(state.defaultBranch);
        return;
      }
      await initMirror(state.defaultBranch);
      await removeStaleLocks();
      // The URL is an argument, never a configured remote: nothing about the remote is stored in
      // the mirror's config, and --no-write-fetch-head keeps it out of FETCH_HEAD too.
      await git({
        operation: 'fetch',
        args: [
          '-c', 'gc.autoDetach=false',
          '-c', 'maintenance.autoDetach=false',
          `--git-dir=${mirrorDir}`,
          'fetch', '--prune', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', '--quiet',
          '--', opts.url, ...FETCH_REFSPECS,
        ],
        remote: true,
      });
      if (state.defaultBranch !== '') await pointHeadAt(state.defaultBranch);
    },

    async readFiles(requests: FileRequest[], limit?: ReadLimit) {
      const result = new Map<string, Buffer | null>();
      const asked: string[] = [];
      for (const { commit, path } of requests) {
        assertCommit(commit);
        const key = fileKey(commit, path);
        if (result.has(key)) continue;
        // A path with a line break cannot be asked for on cat-file's line protocol.
        if (path === '' || /[\n\r]/.test(path)) {
          result.set(key, null);
          continue;
        }
        result.set(key, null);
        asked.push(key);
      }
      if (asked.length === 0) return result;
      await requireMirror();
      if (limit !== undefined) {
        // Sizes first (object headers only), so that an oversized file is never read.
        await readWithinLimit(asked, limit, result);
        return result;
      }
      const out = await git({
        operation: 'cat-file',
        args: [`--git-dir=${mirrorDir}`, 'cat-file', '--batch'],
        remote: false,
        stdin: asked.map((key) => `${key}\n`).join(''),
      });
      let answers: Array<Buffer | null>;
      try {
        answers = parseCatFileBatch(out, asked.length);
      } catch (e) {
        throw unreadableMirror(displayUrl, e);
      }
      asked.forEach((key, i) => result.set(key, answers[i] ?? null));
      return result;
    },

    async commitTimes(commits: string[]) {
      const unique = [...new Set(commits)];
      unique.forEach(assertCommit);
      if (unique.length === 0) return new Map<string, Date>();
      await requireMirror();
      // %at is the author date, as composer's GitDriver uses for `time`.
      const out = await git({
        operation: 'log',
        args: [`--git-dir=${mirrorDir}`, 'log', '--no-walk=unsorted', '--stdin', '--format=%H %at'],
        remote: false,
        stdin: unique.map((c) => `${c}\n`).join(''),
      });
      return parseCommitTimes(out.toString('utf8'));
    },

    async archive(commit: string, destFile: string) {
      assertCommit(commit);
      await requireMirror();
      await mkdir(dirname(destFile), { recursive: true, mode: 0o700 });
      // Same directory as the target, so the rename is atomic.
      const temp = `${destFile}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
      try {
        await git({
          operation: 'archive',
          args: [`--git-dir=${mirrorDir}`, 'archive', '--format=zip', `--output=${temp}`, commit],
          remote: false,
        });
        // Written by the VCS with its own mode: private like everything under data_dir.
        await chmod(temp, 0o600);
        await rename(temp, destFile);
      } finally {
        await rm(temp, { force: true });
      }
    },
  };
  return driver;
}
