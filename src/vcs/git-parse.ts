// Pure parsers for git's machine output (ls-remote --symref, cat-file --batch, log %H %at), kept
// apart from the subprocess code so they can be tested on plain strings and buffers.

import type { RemoteRef, RemoteState } from './types.js';

/** Full object ids: SHA-1 (40) or SHA-256 (64) lower-case hex. */
export const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

const HEADS = 'refs/heads/';
const TAGS = 'refs/tags/';
const PEELED = '^{}';

/**
 * Parses `git ls-remote --symref URL HEAD refs/heads/* refs/tags/*`. Annotated tags are peeled
 * to their commit (the `^{}` line wins, as in composer's GitDriver); `HEAD` and `.../HEAD`
 * branches are ignored. Without a HEAD symref (old servers, detached HEAD) the default branch
 * is the branch HEAD points at, preferring main and master; with no branches at all it is ''.
 */
export function parseLsRemote(output: string): RemoteState {
  let symrefHead: string | undefined;
  let headCommit: string | undefined;
  const branches = new Map<string, string>();
  const tags = new Map<string, { commit: string; peeled: boolean }>();

  for (const line of output.split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    if (tab === -1) continue;
    const left = line.slice(0, tab);
    const ref = line.slice(tab + 1);
    if (left.startsWith('ref: ')) {
      if (ref === 'HEAD' && left.startsWith(`ref: ${HEADS}`)) symrefHead = left.slice(`ref: ${HEADS}`.length);
      continue;
    }
    if (!OBJECT_ID.test(left)) continue;
    if (ref === 'HEAD') {
      headCommit = left;
    } else if (ref.startsWith(HEADS)) {
      const name = ref.slice(HEADS.length);
      if (name === 'HEAD' || name.endsWith('/HEAD')) continue;
      branches.set(name, left);
    } else if (ref.startsWith(TAGS)) {
      const peeled = ref.endsWith(PEELED);
      const name = ref.slice(TAGS.length, peeled ? -PEELED.length : undefined);
      const known = tags.get(name);
      if (peeled || known === undefined || !known.peeled) tags.set(name, { commit: left, peeled });
    }
  }

  // Byte order of ref names, as composer's GitDriver lists them (git show-ref order).
  const byName = (a: RemoteRef, b: RemoteRef): number => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
  const refs: RemoteRef[] = [];
  for (const [name, commit] of branches) refs.push({ kind: 'branch', name, commit });
  for (const [name, { commit }] of tags) refs.push({ kind: 'tag', name, commit });
  refs.sort((a, b) => (a.kind === b.kind ? byName(a, b) : a.kind === 'branch' ? -1 : 1));
  return { defaultBranch: pickDefaultBranch(symrefHead, headCommit, branches), refs };
}

function pickDefaultBranch(symref: string | undefined, headCommit: string | undefined, branches: Map<string, string>): string {
  if (symref !== undefined && branches.has(symref)) return symref;
  const candidates = [...branches.entries()].filter(([, c]) => headCommit === undefined || c === headCommit).map(([n]) => n);
  for (const preferred of ['main', 'master']) if (candidates.includes(preferred)) return preferred;
  return candidates[0] ?? symref ?? '';
}

const BATCH_HEADER = /^([0-9a-f]{40}|[0-9a-f]{64}) (\S+) (\d+)$/;

/**
 * Parses `git cat-file --batch` output for `count` requests, in request order: a blob yields
 * its bytes, anything else (missing, ambiguous, a tree at that path) yields null.
 */
export function parseCatFileBatch(output: Buffer, count: number): Array<Buffer | null> {
  const results: Array<Buffer | null> = [];
  let pos = 0;
  while (results.length < count) {
    const eol = output.indexOf(0x0a, pos);
    if (eol === -1) throw new Error(`cat-file output ended after ${results.length} of ${count} answers`);
    const header = output.toString('utf8', pos, eol);
    pos = eol + 1;
    const match = BATCH_HEADER.exec(header);
    if (match === null) {
      // "<name> missing" / "<name> ambiguous": no content follows.
      if (/ (?:missing|ambiguous)$/.test(header)) {
        results.push(null);
        continue;
      }
      throw new Error(`unexpected cat-file header: ${header.slice(0, 200)}`);
    }
    const size = Number(match[3]);
    // Content is followed by one LF that is not part of the object.
    if (pos + size + 1 > output.length) throw new Error('cat-file output is shorter than the announced object size');
    results.push(match[2] === 'blob' ? Buffer.from(output.subarray(pos, pos + size)) : null);
    pos += size + 1;
  }
  return results;
}

/**
 * Parses `git cat-file --batch-check` output for `count` requests, in request order: a blob
 * yields its object id and size, anything else (missing, ambiguous, a tree) yields null.
 */
export function parseCatFileBatchCheck(output: string, count: number): Array<{ oid: string; size: number } | null> {
  const lines = output.split('\n');
  if (lines.length < count) throw new Error(`cat-file --batch-check output ended after ${lines.length} of ${count} answers`);
  return lines.slice(0, count).map((line) => {
    const match = BATCH_HEADER.exec(line);
    if (match === null) {
      if (/ (?:missing|ambiguous)$/.test(line)) return null;
      throw new Error(`unexpected cat-file header: ${line.slice(0, 200)}`);
    }
    return match[2] === 'blob' ? { oid: match[1] ?? '', size: Number(match[3]) } : null;
  });
}

/** Parses `%H %at` lines into commit -> author date. */
export function parseCommitTimes(output: string): Map<string, Date> {
  const times = new Map<string, Date>();
  for (const line of output.split('\n')) {
    const match = /^([0-9a-f]+) (-?\d+)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) times.set(match[1], new Date(Number(match[2]) * 1000));
  }
  return times;
}
