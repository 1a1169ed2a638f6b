// Pure helpers of the svn driver: composer's layout rules (base URL, `/PATH/@REV` identifiers) and
// parsers for `svn ls --xml` / `svn info --xml` output, testable on plain strings.

import type { SvnLayout } from './types.js';

export interface SvnListEntry {
  kind: 'file' | 'dir';
  name: string;
  size: number | null;
  revision: number;
  date: Date | null;
}

/** One `<list path="…">` of `svn ls --xml`, in target order. */
export interface SvnList {
  path: string;
  entries: SvnListEntry[];
}

export interface SvnInfoEntry {
  kind: string;
  /** The operative (peg) revision the target was looked at. */
  revision: number;
  url: string;
  /** Last changed revision and date of the target (composer's "Last Changed Date"). */
  commitRevision: number;
  commitDate: Date | null;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

function element(body: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

function parseDate(text: string | undefined): Date | null {
  if (text === undefined) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Parses `svn ls --xml T1 T2 …`: one list per target (an empty list for a missing target). */
export function parseSvnLists(xml: string): SvnList[] {
  const lists: SvnList[] = [];
  const listRe = /<list\s([^>]*)>([\s\S]*?)<\/list>/g;
  for (const lm of xml.matchAll(listRe)) {
    const path = attr(` ${lm[1] ?? ''}`, 'path') ?? '';
    const entries: SvnListEntry[] = [];
    for (const em of (lm[2] ?? '').matchAll(/<entry\s([^>]*)>([\s\S]*?)<\/entry>/g)) {
      const kind = attr(` ${em[1] ?? ''}`, 'kind');
      const body = em[2] ?? '';
      const name = element(body, 'name');
      const commit = /<commit\s([^>]*)>/.exec(body);
      const revision = Number(attr(` ${commit?.[1] ?? ''}`, 'revision'));
      if ((kind !== 'file' && kind !== 'dir') || name === undefined || !Number.isSafeInteger(revision)) continue;
      const size = element(body, 'size');
      entries.push({ kind, name, size: size === undefined ? null : Number(size), revision, date: parseDate(element(body, 'date')) });
    }
    lists.push({ path, entries });
  }
  return lists;
}

/** Parses `svn info --xml T1 T2 …`: one entry per existing target, in target order. */
export function parseSvnInfo(xml: string): SvnInfoEntry[] {
  const out: SvnInfoEntry[] = [];
  for (const em of xml.matchAll(/<entry\s([^>]*)>([\s\S]*?)<\/entry>/g)) {
    const head = ` ${em[1] ?? ''}`;
    const body = em[2] ?? '';
    const commit = /<commit\s([^>]*)>/.exec(body);
    out.push({
      kind: attr(head, 'kind') ?? '',
      revision: Number(attr(head, 'revision')),
      url: element(body, 'url') ?? '',
      commitRevision: Number(attr(` ${commit?.[1] ?? ''}`, 'revision')),
      commitDate: parseDate(element(body, 'date')),
    });
  }
  return out;
}

/** Trims slashes like PHP's trim($s, '/'). */
export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/**
 * composer's base URL: the URL without trailing slashes, cut before the last `/TRUNK` segment when
 * the URL points into trunk (composer uses strrpos on the bare text; a whole segment is required here).
 */
export function svnBaseUrl(url: string, layout: SvnLayout): string {
  const clean = url.replace(/\/+$/, '');
  if (layout.trunkPath === false || trimSlashes(layout.trunkPath) === '') return clean;
  const needle = `/${layout.trunkPath}`;
  let pos = clean.lastIndexOf(needle);
  while (pos !== -1) {
    const after = clean.charAt(pos + needle.length);
    if (after === '' || after === '/') return clean.slice(0, pos);
    pos = clean.lastIndexOf(needle, pos - 1);
  }
  return clean;
}

/** composer's SvnDriver::buildIdentifier: rtrim(baseDir, '/') . packagePath . '/@' . revision. */
export function buildSvnIdentifier(baseDir: string, packagePath: string, revision: number): string {
  const pkg = trimSlashes(packagePath) === '' ? '' : `/${trimSlashes(packagePath)}`;
  return `${baseDir.replace(/\/+$/, '')}${pkg}/@${revision}`;
}

/** Splits an identifier into its path ('/' for the root, always with a trailing '/') and revision. */
export function parseSvnIdentifier(identifier: string): { path: string; revision: number } | null {
  // The last `/@N` is the revision (svn's peg syntax); an '@' inside a tag name is kept.
  const m = /^(\/(?:.*\/)?)@(\d{1,12})$/s.exec(identifier.startsWith('/') ? identifier : `/${identifier}`);
  if (m?.[1] === undefined || m[2] === undefined) return null;
  const path = m[1];
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return null;
  if (path.split('/').some((seg) => seg === '..' || seg === '.')) return null;
  return { path, revision: Number(m[2]) };
}

/** Percent-encodes each segment of a repository path for use in a URL (svn decodes it again). */
export function encodeSvnPath(path: string): string {
  return path
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

/**
 * Tags or branches from one `svn ls` list, as composer's getTags/getBranches derive them:
 * listing order, a directory's last changed revision (and its date, composer's `time` when
 * there is no package path). composer splits the text listing on
 * whitespace, so a name with whitespace never resolves for it (no composer.json: skipped);
 * such names and plain files are left out here, which publishes the same versions.
 */
export function refsFromList(
  parentPath: string,
  list: SvnList | undefined,
  packagePath: string,
): Map<string, { commit: string; date: Date | null }> {
  const refs = new Map<string, { commit: string; date: Date | null }>();
  for (const entry of list?.entries ?? []) {
    if (entry.kind !== 'dir' || entry.name === '' || /\s/.test(entry.name)) continue;
    refs.set(entry.name, { commit: buildSvnIdentifier(`/${parentPath}/${entry.name}/`, packagePath, entry.revision), date: entry.date });
  }
  return refs;
}
