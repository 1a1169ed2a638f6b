// Pure helpers for the hg driver: Mercurial's command-server framing (many hg commands in one
// process), and the refs composer's HgDriver derives from `hg tags`, `hg branches`, `hg bookmarks`.

import type { RemoteRef, RemoteState } from './types.js';

/** Full changeset ids (hg nodes are SHA-1, 40 lower-case hex). */
export const NODE_ID = /^[0-9a-f]{40}$/;

/** One `runcommand` request for `hg serve --cmdserver pipe` (args joined by NUL, length-prefixed). */
export function encodeRunCommand(args: readonly string[]): Buffer {
  const data = Buffer.from(args.join('\0'), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(data.length, 0);
  return Buffer.concat([Buffer.from('runcommand\n', 'ascii'), header, data]);
}

export interface CommandAnswer {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Splits the command server's output (hello message, then per command 'o'/'e' chunks ended by
 * an 'r' result) into one answer per command. Fewer answers than commands means the server
 * stopped early (the caller reports the process's own failure).
 */
export function parseCommandServerOutput(output: Buffer): CommandAnswer[] {
  const answers: CommandAnswer[] = [];
  let out: Buffer[] = [];
  let err = '';
  let pos = 0;
  let hello = true;
  while (pos + 5 <= output.length) {
    const channel = String.fromCharCode(output[pos] ?? 0);
    const length = output.readUInt32BE(pos + 1);
    const start = pos + 5;
    if (start + length > output.length) break;
    const data = output.subarray(start, start + length);
    pos = start + length;
    if (hello) {
      // The first message announces capabilities on the output channel.
      hello = false;
      if (channel === 'o' && data.toString('utf8').startsWith('capabilities:')) continue;
    }
    if (channel === 'o') out.push(Buffer.from(data));
    else if (channel === 'e') err += data.toString('utf8');
    else if (channel === 'r') {
      answers.push({ code: length >= 4 ? data.readInt32BE(0) : -1, stdout: Buffer.concat(out), stderr: err });
      out = [];
      err = '';
    } else if (channel === 'I' || channel === 'L') {
      // Input requested: never happens with --noninteractive; treat as a failed command.
      break;
    }
    // 'd' (debug) and other channels are ignored.
  }
  return answers;
}

// PHP's PCRE \s without the u flag: space, \t, \n, \v, \f, \r.
const PHP_SPACE = /[ \t\n\v\f\r]/;

/** Lines "NODE NAME" (a template's output) into [name, node] pairs, in output order. */
function nodeLines(output: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space === -1) continue;
    const node = line.slice(0, space);
    const name = line.slice(space + 1);
    if (NODE_ID.test(node) && name !== '') pairs.push([name, node]);
  }
  return pairs;
}

/**
 * composer's regexes take the first whitespace-free word of each line as the name, so a name with
 * whitespace never yields a usable ref; such names are left out. Bookmark lines also lose leading
 * '*' characters (the active-bookmark marker). Names starting with '-' are ignored for branches.
 */
function composerName(name: string, kind: 'tag' | 'branch' | 'bookmark'): string | null {
  if (PHP_SPACE.test(name)) return null;
  let n = name;
  if (kind === 'bookmark') {
    const stripped = n.replace(/^\*+/, '');
    n = stripped === '' ? '*' : stripped;
  }
  if (kind !== 'tag' && n.startsWith('-')) return null;
  return n;
}

/** PHP turns decimal-integer string keys into int keys (array_merge then renumbers them). */
function isPhpIntKey(key: string): boolean {
  if (!/^(?:0|-?[1-9][0-9]*)$/.test(key)) return false;
  const big = BigInt(key);
  return big <= 9223372036854775807n && big >= -9223372036854775808n;
}

export interface HgListing {
  /** `hg tags -T '{node} {tag}\n'` (hg's order: newest revision first; includes tip). */
  tags: string;
  /** `hg branches -T '{node} {branch}\n'` (open branches, hg's order). */
  branches: string;
  /** `hg bookmarks -T '{node} {bookmark}\n'`. */
  bookmarks: string;
}

/**
 * The refs composer's HgDriver (2.5) lists, in its order, with full nodes: tags as `hg tags`
 * prints them minus `tip`; branches as `array_merge($bookmarks, $branches)`: a named branch wins
 * over a bookmark of the same name but the entry keeps the bookmark's position, and integer-like
 * names are renumbered from 0, as PHP does. The default branch is the branch (or bookmark) at
 * `hg tip`, composer's root identifier, preferring `default`.
 */
export function parseHgListing(listing: HgListing): RemoteState {
  let tip: string | undefined;
  const tags = new Map<string, string>();
  for (const [raw, node] of nodeLines(listing.tags)) {
    if (raw === 'tip') {
      tip = node;
      continue;
    }
    const name = composerName(raw, 'tag');
    if (name !== null) tags.set(name, node);
  }

  const merged = new Map<string, string>();
  let nextInt = 0;
  const add = (name: string, node: string): void => {
    if (isPhpIntKey(name)) merged.set(String(nextInt++), node);
    else merged.set(name, node);
  };
  const bookmarks = new Map<string, string>();
  for (const [raw, node] of nodeLines(listing.bookmarks)) {
    const name = composerName(raw, 'bookmark');
    if (name !== null) bookmarks.set(name, node);
  }
  const branches = new Map<string, string>();
  for (const [raw, node] of nodeLines(listing.branches)) {
    const name = composerName(raw, 'branch');
    if (name !== null) branches.set(name, node);
  }
  for (const [name, node] of bookmarks) add(name, node);
  for (const [name, node] of branches) add(name, node);

  const refs: RemoteRef[] = [];
  for (const [name, commit] of tags) refs.push({ kind: 'tag', name, commit });
  for (const [name, commit] of merged) refs.push({ kind: 'branch', name, commit });
  return { defaultBranch: pickDefaultBranch(merged, tip), refs };
}

function pickDefaultBranch(branches: Map<string, string>, tip: string | undefined): string {
  const atTip = [...branches.entries()].filter(([, node]) => node === tip).map(([name]) => name);
  if (atTip.includes('default')) return 'default';
  if (atTip[0] !== undefined) return atTip[0];
  if (branches.has('default')) return 'default';
  return branches.keys().next().value ?? '';
}

/** Parses `{node} {date|hgdate}` lines (seconds and offset) into node -> instant. */
export function parseHgDates(output: string): Map<string, Date> {
  const times = new Map<string, Date>();
  for (const line of output.split('\n')) {
    const match = /^([0-9a-f]{40}) (-?\d+)(?:\.\d+)? -?\d+$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) times.set(match[1], new Date(Number(match[2]) * 1000));
  }
  return times;
}
