// The hg Driver: hg has no ls-remote, so listing pulls into the local mirror (one network round
// trip when nothing changed: "no changes found") and lists there; syncMirror is then a no-op.
// Local work runs many hg commands in one process through Mercurial's command server.
// Locking is left to the caller: one job per package at a time owns its mirror.

import { randomBytes } from 'node:crypto';
import { chmod, access, mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../domain/errors.js';
import { hgError, type HgErrorContext } from './hg-errors.js';
import { prepareHgInvocation, type HgTransport } from './hg-env.js';
import { encodeRunCommand, NODE_ID, parseCommandServerOutput, parseHgDates, parseHgListing, type CommandAnswer } from './hg-parse.js';
import { runProcess } from './process.js';
import { fileKey, type Driver, type DriverOptions, type FileRequest, type ReadLimit, type RemoteState } from './types.js';
import { checkRepositoryUrl, redactUrl } from './url.js';
import { credentialForUrl, urlHost } from './credential-hosts.js';

const HG_PROTOCOLS = ['https', 'http', 'ssh'] as const;

// Templates print full nodes; one entry per line (hg refuses line breaks in labels).
const TAGS_TEMPLATE = '{node} {tag}\\n';
const BRANCHES_TEMPLATE = '{node} {branch}\\n';
const BOOKMARKS_TEMPLATE = '{node} {bookmark}\\n';

// PHP's trim() characters: composer treats a composer.json of only these as missing.
const PHP_TRIM = /^[ \t\n\r\0\x0B]*$/;

function transportOf(url: string): { transport: HgTransport; scheme?: string } {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  // hg knows ssh://, http(s):// and local paths only; git's scp-like form would be a relative path
  // to hg, and aliases such as git+ssh:// mean nothing to it.
  if (scheme !== undefined && !['http', 'https', 'ssh', 'file'].includes(scheme)) {
    throw new AppError('URL_NOT_ALLOWED', `Repository URL "${redactUrl(url)}" is not allowed: protocol "${scheme}" is not supported for hg.`, {
      url: redactUrl(url),
    });
  }
  if (scheme === undefined && !url.startsWith('/')) {
    throw new AppError('URL_NOT_ALLOWED', `Repository URL "${redactUrl(url)}" is not allowed: hg needs an ssh:// or http(s):// URL or an absolute path.`, {
      url: redactUrl(url),
    });
  }
  const checked = checkRepositoryUrl(url, { allowLocalPaths: true, allowedProtocols: HG_PROTOCOLS });
  if (checked.kind === 'local') return { transport: 'local' };
  if (checked.protocol === 'ssh') return { transport: 'ssh' };
  return { transport: 'http', scheme: checked.protocol };
}

function assertNode(commit: string): void {
  // Only full nodes: anything else is revset syntax hg would interpret.
  if (!NODE_ID.test(commit)) throw new AppError('VCS_ERROR', `The revision "${commit.slice(0, 80)}" is not a full hg changeset id.`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

interface HgCall {
  operation: string;
  args: string[];
  /** True when the command talks to the remote (credentials and ssh settings apply). */
  remote: boolean;
  cwd?: string;
  stdin?: Buffer;
  extraConfig?: string[];
}

/** Builds the hg driver for one repository. Throws URL_NOT_ALLOWED for unsafe URLs. */
export function createHgDriver(opts: DriverOptions): Driver {
  const { transport, scheme } = transportOf(opts.url);
  const displayUrl = redactUrl(opts.url);
  // The credential only when the URL's host is bound to it; hg's [auth] entry then matches that
  // scheme://host[:port]/ only, so a redirect elsewhere finds no password.
  const { credential } = credentialForUrl(opts);
  const target = urlHost(opts.url);
  const authPrefix = target === null || scheme === undefined ? undefined : `${scheme}://${target.authority}/`;
  const mirrorDir = opts.mirrorDir;
  // Set when this instance has pulled: the mirror then holds everything listRemote reported.
  let pulled = false;
  const errorContext = (operation: string, remote: boolean, secrets: string[]): HgErrorContext => ({
    operation,
    url: displayUrl,
    credential: remote ? credential : undefined,
    credentialName: opts.credentialName,
    secrets,
    timeoutMs: opts.timeoutMs,
  });

  async function hg(call: HgCall): Promise<{ stdout: Buffer; secrets: string[] }> {
    await mkdir(opts.tmpDir, { recursive: true, mode: 0o700 });
    // A fresh private HOME per command: holds the hgrc (and any credential) for this command only.
    const home = await mkdtemp(join(opts.tmpDir, 'hg-'));
    try {
      const remote = call.remote && transport !== 'local';
      const invocation = await prepareHgInvocation({
        transport: remote ? transport : 'local',
        authPrefix,
        credential: remote ? credential : undefined,
        home,
        timeoutMs: opts.timeoutMs,
        connectTimeoutMs: opts.connectTimeoutMs,
        knownHosts: opts.knownHosts,
        caFile: opts.caFile,
        extraConfig: call.extraConfig,
      });
      const result = await runProcess('hg', ['--noninteractive', ...call.args], {
        cwd: call.cwd ?? home,
        env: invocation.env,
        timeoutMs: opts.timeoutMs,
        stdin: call.stdin,
        signal: opts.signal,
      });
      if (result.outcome === 'exited' && result.code === 0) return { stdout: result.stdout, secrets: invocation.secrets };
      throw hgError(result, errorContext(call.operation, call.remote, invocation.secrets));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }

  /** Runs many local commands in one `hg serve --cmdserver pipe` process inside the mirror. */
  async function batch(operation: string, commands: string[][]): Promise<CommandAnswer[]> {
    if (commands.length === 0) return [];
    const stdin = Buffer.concat(commands.map(encodeRunCommand));
    const { stdout } = await hg({
      operation,
      args: ['serve', '--cmdserver', 'pipe', '-R', mirrorDir],
      remote: false,
      cwd: mirrorDir,
      stdin,
    });
    const answers = parseCommandServerOutput(stdout);
    if (answers.length !== commands.length) {
      throw new AppError('VCS_ERROR', `The command hg ${operation} on the mirror of ${displayUrl} answered ${answers.length} of ${commands.length} commands.`, {
        url: displayUrl,
      });
    }
    return answers;
  }

  function answerError(operation: string, answer: CommandAnswer): AppError {
    return hgError({ outcome: 'exited', code: answer.code, stderr: answer.stderr }, errorContext(operation, false, []));
  }

  /** The requests whose file is at most limit.maxBytes (sizes from `hg files`, one process); the others go to limit.oversized. */
  async function withinLimit(asked: FileRequest[], limit: ReadLimit): Promise<FileRequest[]> {
    const answers = await batch(
      'files',
      asked.map(({ commit, path }) => ['files', '-r', commit, '-T', '{path}\\0{size}\\n', '--', `path:${path}`]),
    );
    return asked.filter(({ commit, path }, i) => {
      const answer = answers[i];
      // No such file (1) or a failure: cat answers it as before.
      if (answer === undefined || answer.code !== 0) return true;
      const line = answer.stdout.toString('utf8').split('\n').find((l) => l.startsWith(`${path}\0`));
      const size = line === undefined ? NaN : Number(line.slice(path.length + 1));
      if (!Number.isSafeInteger(size) || size <= limit.maxBytes) return true;
      limit.oversized.set(fileKey(commit, path), size);
      return false;
    });
  }

  async function hasMirror(): Promise<boolean> {
    return exists(join(mirrorDir, '.hg', 'store'));
  }

  async function requireMirror(): Promise<void> {
    if (!(await hasMirror())) {
      throw new AppError('VCS_ERROR', `The mirror of ${displayUrl} does not exist yet; sync it first.`, { url: displayUrl });
    }
  }

  /** First sync: clone into a staging directory beside the mirror, then rename it into place. */
  async function cloneMirror(): Promise<void> {
    if (await exists(mirrorDir)) {
      if ((await readdir(mirrorDir)).length > 0) {
        throw new AppError('VCS_ERROR', `The directory ${mirrorDir} exists but is not an hg mirror; remove it to re-create the mirror.`, { url: displayUrl });
      }
      await rmdir(mirrorDir);
    }
    await mkdir(dirname(mirrorDir), { recursive: true, mode: 0o700 });
    const staging = `${mirrorDir}.clone-${randomBytes(6).toString('hex')}`;
    try {
      // --pull: a local source is read through the protocol rather than hard-linked into the mirror.
      const local = transport === 'local' ? ['--pull'] : [];
      await hg({ operation: 'clone', args: ['clone', '-U', ...local, '--', opts.url, staging], remote: true });
      // clone records the source in .hg/hgrc; the mirror keeps no trace of the remote.
      await rm(join(staging, '.hg', 'hgrc'), { force: true });
      await rename(staging, mirrorDir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async function pullMirror(): Promise<void> {
    // A crash during an earlier pull leaves a journal; roll it back before pulling again.
    if (await exists(join(mirrorDir, '.hg', 'store', 'journal'))) {
      await hg({ operation: 'recover', args: ['recover', '--no-verify', '-R', mirrorDir], remote: false }).catch(() => undefined);
    }
    // pull adds and moves bookmarks but never deletes one the remote deleted: start from none,
    // so the mirror holds exactly the remote's bookmarks afterwards (the mirror is ours alone).
    await rm(join(mirrorDir, '.hg', 'bookmarks'), { force: true });
    await hg({ operation: 'pull', args: ['pull', '-R', mirrorDir, '--', opts.url], remote: true });
  }

  async function refresh(): Promise<void> {
    if (await hasMirror()) {
      // A killed hg leaves its locks (symlinks naming host:pid); hg waits up to 10 minutes for a
      // holder on another host name (a new container). The caller holds the repository's lock and
      // a dead holder's children died with it (process.ts): any lock found now is stale.
      await Promise.all(['wlock', 'lock', join('store', 'lock')].map((f) => rm(join(mirrorDir, '.hg', f), { force: true })));
      await pullMirror();
    } else {
      await cloneMirror();
    }
    pulled = true;
  }

  const driver: Driver = {
    type: 'hg',

    async listRemote(): Promise<RemoteState> {
      await refresh();
      const [tags, branches, bookmarks] = await batch('list', [
        ['tags', '-T', TAGS_TEMPLATE],
        ['branches', '-T', BRANCHES_TEMPLATE],
        ['bookmarks', '-T', BOOKMARKS_TEMPLATE],
      ]);
      for (const [answer, op] of [[tags, 'tags'], [branches, 'branches'], [bookmarks, 'bookmarks']] as const) {
        if (answer === undefined || answer.code !== 0) throw answerError(op, answer ?? { code: -1, stdout: Buffer.alloc(0), stderr: '' });
      }
      return parseHgListing({
        tags: tags?.stdout.toString('utf8') ?? '',
        branches: branches?.stdout.toString('utf8') ?? '',
        bookmarks: bookmarks?.stdout.toString('utf8') ?? '',
      });
    },

    async syncMirror() {
      // listRemote already pulled everything it listed into the mirror.
      if (pulled) return;
      await refresh();
    },

    async readFiles(requests: FileRequest[], limit?: ReadLimit) {
      const result = new Map<string, Buffer | null>();
      let asked: FileRequest[] = [];
      for (const { commit, path } of requests) {
        assertNode(commit);
        const key = fileKey(commit, path);
        if (result.has(key)) continue;
        result.set(key, null);
        // Paths are relative to the repository root; anything odd simply does not exist.
        if (path === '' || path.startsWith('/') || /[\n\r\0]/.test(path) || path.split('/').includes('..')) continue;
        asked.push({ commit, path });
      }
      if (asked.length === 0) return result;
      await requireMirror();
      if (limit !== undefined) asked = await withinLimit(asked, limit);
      if (asked.length === 0) return result;
      // One cat per file, all in one process; `path:` keeps hg from reading the name as a pattern,
      // and the printed path tells a file from a directory of that name.
      const answers = await batch(
        'cat',
        asked.map(({ commit, path }) => ['cat', '-r', commit, '-T', '{path}\\0{data}', '--', `path:${path}`]),
      );
      asked.forEach(({ commit, path }, i) => {
        const answer = answers[i];
        if (answer === undefined) return;
        if (answer.code !== 0) {
          // 1: no such file in that revision; anything else is a real failure.
          if (answer.code === 1) return;
          throw answerError('cat', answer);
        }
        const nul = answer.stdout.indexOf(0);
        if (nul === -1 || answer.stdout.toString('utf8', 0, nul) !== path) return;
        const data = Buffer.from(answer.stdout.subarray(nul + 1));
        // composer's HgDriver: a file of only blanks counts as no file.
        if (PHP_TRIM.test(data.toString('latin1'))) return;
        result.set(fileKey(commit, path), data);
      });
      return result;
    },

    async commitTimes(commits: string[]) {
      const unique = [...new Set(commits)];
      unique.forEach(assertNode);
      if (unique.length === 0) return new Map<string, Date>();
      await requireMirror();
      // composer reads {date|rfc3339date}: the same instant as hgdate's seconds.
      const revset = unique.map((c) => `id(${c})`).join(' or ');
      const [answer] = await batch('log', [['log', '-r', revset, '-T', '{node} {date|hgdate}\\n']]);
      if (answer === undefined || answer.code !== 0) throw answerError('log', answer ?? { code: -1, stdout: Buffer.alloc(0), stderr: '' });
      return parseHgDates(answer.stdout.toString('utf8'));
    },

    async archive(commit: string, destFile: string) {
      assertNode(commit);
      await requireMirror();
      await mkdir(dirname(destFile), { recursive: true, mode: 0o700 });
      // Same directory as the target, so the rename is atomic.
      const temp = `${destFile}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
      try {
        // ui.archivemeta=false (in the private hgrc) leaves .hg_archival.txt out; prefix "." puts
        // the tree at the zip's root, as git archive does.
        await hg({
          operation: 'archive',
          args: ['archive', '-R', mirrorDir, '-t', 'zip', '-r', commit, '-p', '.', '--', temp],
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
