// The svn Driver, with composer's SvnDriver semantics (layout, `/PATH/@REV` identifiers, `time`
// from the path's last changed date). No local mirror: svn history is immutable and addressable
// by peg revision (URL@REV), so a read or an export at an identifier gives the same bytes forever,
// even after a tag is deleted; a mirror (svnrdump/svnsync) would copy the whole history, every
// file of every revision, to serve a handful of composer.json files. Every call is batched
// instead: listing is 2 processes (info of trunk/tags/branches, then ls of tags and branches at
// that revision, whose dates are composer's `time` when there is no package path), readFiles is
// 2 per 100 files (`svn ls --xml` for sizes, one `svn cat` of all targets split by those sizes),
// commitTimes 1 per 100 identifiers not dated by the listing (`svn info --xml`). svn opens one
// connection per target, so up to 4 batches run at once. Measured with 1,000 tags on loopback:
// list 0.1 s; composer.json of every tag 0.9 s over file://, 4 s over svnserve, 10 s over Apache
// (a 401 round trip per connection); times from the listing, no process.

import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { runProcess } from './process.js';
import { prepareSvnInvocation, type SvnTransport } from './svn-env.js';
import { svnError } from './svn-errors.js';
import {
  buildSvnIdentifier,
  encodeSvnPath,
  parseSvnIdentifier,
  parseSvnInfo,
  parseSvnLists,
  refsFromList,
  svnBaseUrl,
  trimSlashes,
} from './svn-parse.js';
import { DEFAULT_SVN_LAYOUT, fileKey, type Driver, type DriverOptions, type FileRequest, type ReadLimit, type RemoteRef } from './types.js';
import { checkRepositoryUrl, redactUrl } from './url.js';
import { credentialForUrl } from './credential-hosts.js';
import { zipDirectory } from './zip.js';

const SVN_PROTOCOLS = ['https', 'http', 'svn', 'ssh'] as const;
// svn opens one connection per target; batches run side by side to hide that latency.
const BATCH = 100;
const CONCURRENCY = 4;

interface SvnCall {
  operation: string;
  args: string[];
  /** Missing targets of a multi-target command are warnings, not a failure. */
  tolerateMissing?: boolean;
}

/** A multi-target command that failed only because some targets do not exist. */
function onlyMissingTargets(stderr: string): boolean {
  const errors = stderr.split('\n').filter((l) => /^svn: E\d+/.test(l));
  return errors.length > 0 && errors.every((l) => l.startsWith('svn: E200009'));
}

function transportAndUrl(url: string): { transport: SvnTransport; url: string } {
  const checked = checkRepositoryUrl(url, { allowLocalPaths: true, allowedProtocols: SVN_PROTOCOLS });
  if (checked.kind === 'local') {
    // composer's normalizeUrl: an absolute path becomes a file:// URL.
    return { transport: 'local', url: url.startsWith('/') ? `file://${encodeSvnPath(url)}` : url };
  }
  if (checked.protocol === 'https' || checked.protocol === 'http') return { transport: 'http', url };
  if (checked.protocol === 'svn') return { transport: 'svn', url };
  if (checked.protocol === 'svn+ssh') return { transport: 'svn+ssh', url };
  throw new AppError('URL_NOT_ALLOWED', `Repository URL "${redactUrl(url)}" is not an svn URL (svn://, svn+ssh://, http(s)://, file://).`, {
    url: redactUrl(url),
  });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Builds the svn driver for one repository. Throws URL_NOT_ALLOWED for unsafe URLs. */
export function createSvnDriver(opts: DriverOptions): Driver {
  const { transport, url } = transportAndUrl(opts.url);
  // The password (stdin) or key only when the URL's host is bound to the credential.
  const { credential } = credentialForUrl(opts);
  const layout = opts.svn ?? DEFAULT_SVN_LAYOUT;
  const baseUrl = svnBaseUrl(url, layout);
  const displayUrl = redactUrl(opts.url);
  const packagePath = trimSlashes(layout.packagePath);
  // Last changed dates seen while listing, by identifier: composer's `time` for refs without a
  // package path (the ref directory's own last change), so commitTimes need not ask again.
  const listedTimes = new Map<string, Date>();

  async function svn(call: SvnCall): Promise<Buffer> {
    await mkdir(opts.tmpDir, { recursive: true, mode: 0o700 });
    const home = await mkdtemp(join(opts.tmpDir, 'svn-'));
    try {
      const inv = await prepareSvnInvocation({
        transport,
        credential,
        home,
        timeoutMs: opts.timeoutMs,
        connectTimeoutMs: opts.connectTimeoutMs,
        knownHosts: opts.knownHosts,
        caFile: opts.caFile,
      });
      const result = await runProcess('svn', [...call.args.slice(0, 1), ...inv.globalArgs, ...call.args.slice(1)], {
        cwd: home,
        env: inv.env,
        timeoutMs: opts.timeoutMs,
        stdin: inv.stdin,
        signal: opts.signal,
      });
      if (result.outcome === 'exited' && result.code === 0) return result.stdout;
      if (result.outcome === 'exited' && call.tolerateMissing === true && onlyMissingTargets(result.stderr)) return result.stdout;
      throw svnError(result, {
        operation: call.operation,
        url: displayUrl,
        credential,
        credentialName: opts.credentialName,
        secrets: inv.secrets,
        timeoutMs: opts.timeoutMs,
      });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }

  /** URL of a repository path ('/tags/1.0/' or 'tags') at a peg revision, or at HEAD. */
  function target(path: string, revision?: number): string {
    const clean = trimSlashes(path);
    const at = revision === undefined ? '' : `@${revision}`;
    return clean === '' ? `${baseUrl}${at}` : `${baseUrl}/${encodeSvnPath(clean)}${at}`;
  }

  function identifier(commit: string): { path: string; revision: number } {
    const parsed = parseSvnIdentifier(commit);
    if (parsed === null) throw new AppError('VCS_ERROR', `The revision "${commit.slice(0, 120)}" is not an svn identifier (/PATH/@REVISION).`);
    return parsed;
  }

  /** Reads existing files one by one (used when a batch cannot be split reliably). */
  async function catEach(targets: Array<{ key: string; url: string }>, result: Map<string, Buffer | null>): Promise<void> {
    await pool(targets, CONCURRENCY, async ({ key, url: t }) => {
      // A missing file is W160013 (VCS_NOT_FOUND) here, never an empty answer.
      const out = await svn({ operation: 'cat', args: ['cat', '--', t] }).catch((e: unknown) => {
        if (e instanceof AppError && e.code === 'VCS_NOT_FOUND') return null;
        throw e;
      });
      result.set(key, out);
    });
  }

  async function readBatch(batch: Array<{ key: string; url: string; name: string }>, result: Map<string, Buffer | null>, limit?: ReadLimit): Promise<void> {
    const listing = parseSvnLists(
      (await svn({ operation: 'ls', args: ['ls', '--xml', '--', ...batch.map((b) => b.url)], tolerateMissing: true })).toString('utf8'),
    );
    if (listing.length !== batch.length) {
      await catEach(batch, result);
      return;
    }
    const present: Array<{ key: string; url: string; size: number }> = [];
    batch.forEach((b, i) => {
      const entries = listing[i]?.entries ?? [];
      const only = entries.length === 1 ? entries[0] : undefined;
      // A file lists itself; a directory lists its children (even a single file of another name).
      if (only?.kind !== 'file' || only.name !== b.name || only.size === null) return;
      // Over the size limit: never read (svn ls gave its size).
      if (limit !== undefined && only.size > limit.maxBytes) limit.oversized.set(b.key, only.size);
      else present.push({ ...b, size: only.size });
    });
    if (present.length === 0) return;
    const out = await svn({ operation: 'cat', args: ['cat', '--', ...present.map((p) => p.url)] });
    // `svn cat` expands keywords and eol-styles, which changes sizes: then read one by one.
    if (out.length !== present.reduce((n, p) => n + p.size, 0)) {
      await catEach(present, result);
      return;
    }
    let pos = 0;
    for (const p of present) {
      result.set(p.key, Buffer.from(out.subarray(pos, pos + p.size)));
      pos += p.size;
    }
  }

  const driver: Driver = {
    type: 'svn',

    async listRemote() {
      const parts: Array<{ what: string; path: string }> = [
        { what: 'trunk path', path: layout.trunkPath === false ? '' : layout.trunkPath },
      ];
      if (layout.tagsPath !== false) parts.push({ what: 'tags path', path: layout.tagsPath });
      if (layout.branchesPath !== false) parts.push({ what: 'branches path', path: layout.branchesPath });
      const info = parseSvnInfo(
        (await svn({ operation: 'info', args: ['info', '--xml', '--', ...parts.map((p) => target(p.path))], tolerateMissing: true })).toString('utf8'),
      );
      if (info.length !== parts.length) {
        const found = new Set(info.map((e) => decodeURIComponent(e.url).replace(/\/+$/, '')));
        const missing = parts.filter((p) => !found.has(decodeURIComponent(target(p.path)).replace(/\/+$/, '')));
        const names = (missing.length > 0 ? missing : parts).map((p) => `${p.what} "${trimSlashes(p.path) || '/'}"`).join(', ');
        throw new AppError(
          'VCS_NOT_FOUND',
          `In repository ${displayUrl}, the ${names} does not exist (composer needs every configured part); ` +
            'fix the URL or the trunk/branches/tags paths of the package (false turns a part off).',
          { url: displayUrl },
        );
      }
      const [trunk] = info;
      if (trunk === undefined || !Number.isSafeInteger(trunk.revision)) {
        throw new AppError('VCS_ERROR', `The command svn info gave no revision for ${displayUrl}.`, { url: displayUrl });
      }
      const head = trunk.revision;
      const listed = parts.slice(1);
      const lists =
        listed.length === 0
          ? []
          : parseSvnLists(
              (await svn({ operation: 'ls', args: ['ls', '--xml', '--', ...listed.map((p) => target(p.path, head))] })).toString('utf8'),
            );
      const listOf = (what: string) => lists[listed.findIndex((p) => p.what === what)];

      // composer: branches['trunk'] first, then branches/ (a branch named "trunk" replaces it in place).
      const branches = new Map<string, { commit: string; date: Date | null }>();
      const trunkDir = layout.trunkPath === false ? '/' : `/${layout.trunkPath}`;
      branches.set('trunk', { commit: buildSvnIdentifier(trunkDir, packagePath, trunk.commitRevision), date: trunk.commitDate });
      if (layout.branchesPath !== false) {
        for (const [n, ref] of refsFromList(trimSlashes(layout.branchesPath), listOf('branches path'), packagePath)) branches.set(n, ref);
      }
      const tags = layout.tagsPath === false ? new Map() : refsFromList(trimSlashes(layout.tagsPath), listOf('tags path'), packagePath);
      if (packagePath === '') {
        for (const { commit, date } of [...branches.values(), ...tags.values()]) if (date !== null) listedTimes.set(commit, date);
      }
      const refs: RemoteRef[] = [
        ...[...branches].map(([name, { commit }]) => ({ kind: 'branch' as const, name, commit })),
        ...[...tags].map(([name, { commit }]) => ({ kind: 'tag' as const, name, commit })),
      ];
      return { defaultBranch: 'trunk', refs };
    },

    async syncMirror() {
      // No mirror (see the header): reads and exports address immutable peg revisions on the server.
    },

    async readFiles(requests: FileRequest[], limit?: ReadLimit) {
      const result = new Map<string, Buffer | null>();
      const asked: Array<{ key: string; url: string; name: string }> = [];
      for (const { commit, path } of requests) {
        const { path: dir, revision } = identifier(commit);
        const key = fileKey(commit, path);
        if (result.has(key)) continue;
        result.set(key, null);
        const file = trimSlashes(path);
        // eslint-disable-next-line no-control-regex
        if (file === '' || /[\u0000-\u001f\u007f]/.test(file) || file.split('/').some((s) => s === '..' || s === '.')) continue;
        asked.push({ key, url: target(`${dir}${file}`, revision), name: file.split('/').pop() ?? file });
      }
      await pool(chunks(asked, BATCH), CONCURRENCY, (batch) => readBatch(batch, result, limit));
      return result;
    },

    async commitTimes(commits: string[]) {
      const times = new Map<string, Date>();
      const asked: Array<{ commit: string; path: string; revision: number }> = [];
      for (const commit of new Set(commits)) {
        const parsed = identifier(commit);
        const listed = listedTimes.get(commit);
        if (listed !== undefined) times.set(commit, listed);
        else asked.push({ commit, ...parsed });
      }
      await pool(chunks(asked, BATCH), CONCURRENCY, async (batch) => {
        const urls = batch.map((b) => target(b.path, b.revision));
        const out = await svn({ operation: 'info', args: ['info', '--xml', '--', ...urls], tolerateMissing: true });
        const entries = parseSvnInfo(out.toString('utf8'));
        if (entries.length === batch.length) {
          batch.forEach((b, i) => {
            const date = entries[i]?.commitDate;
            if (date) times.set(b.commit, date);
          });
          return;
        }
        // Some targets are gone: match the rest by URL and revision.
        const byUrl = new Map(entries.map((e) => [`${decodeURIComponent(e.url).replace(/\/+$/, '')}@${e.revision}`, e.commitDate]));
        for (const b of batch) {
          const date = byUrl.get(`${decodeURIComponent(target(b.path)).replace(/\/+$/, '')}@${b.revision}`);
          if (date) times.set(b.commit, date);
        }
      });
      return times;
    },

    async archive(commit: string, destFile: string) {
      const { path, revision } = identifier(commit);
      await mkdir(opts.tmpDir, { recursive: true, mode: 0o700 });
      await mkdir(dirname(destFile), { recursive: true, mode: 0o700 });
      const work = await mkdtemp(join(opts.tmpDir, 'svn-export-'));
      const temp = `${destFile}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
      try {
        const tree = join(work, 'tree');
        // Externals would reach other servers with this repository's credential: left out.
        await svn({ operation: 'export', args: ['export', '--quiet', '--ignore-externals', '--', target(path, revision), tree] });
        await zipDirectory(tree, temp);
        // Written by the VCS with its own mode: private like everything under data_dir.
        await chmod(temp, 0o600);
        await rename(temp, destFile);
      } finally {
        await rm(temp, { force: true });
        await rm(work, { recursive: true, force: true });
      }
    },
  };
  return driver;
}
