// Renders the composer 2 metadata documents of one package (p2 tags and ~dev branches,
// minified) from stored version records. Pure: the caller stores and serves the bytes.
import { minify } from './minify.js';
import type { JsonObject } from './json.js';
import type { VcsType } from '../vcs/types.js';

export interface StoredVersion {
  version: string;
  normalized: string;
  isDev: boolean;
  commit: string;
  /** Position of the ref in scan order; the default branch is published first among branches. */
  defaultBranch: boolean;
  /** The version entry without name, source and dist (see scan.ts), as stored. */
  data: JsonObject;
}

export interface RenderContext {
  name: string;
  vcsType: VcsType;
  sourceUrl: string;
  /** Absolute dist URL for a commit. */
  distUrl: (commit: string) => string;
}

const SUFFIX_RANK: Record<string, number> = { dev: 0, alpha: 1, beta: 2, rc: 3, '': 4, stable: 4, patch: 5 };

function parseNormalized(v: string): { nums: number[]; rank: number; n: number } {
  const [main = '', suffix = ''] = v.split('-', 2);
  const nums = main.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : 0));
  const m = /^([a-zA-Z]*)(\d*)/.exec(suffix);
  const word = (m?.[1] ?? '').toLowerCase();
  return { nums, rank: SUFFIX_RANK[word] ?? 4, n: Number(m?.[2] || 0) };
}

/** Newest first, as packagist.org orders them (only the size of minified output depends on it). */
export function compareNewestFirst(a: string, b: string): number {
  const x = parseNormalized(a);
  const y = parseNormalized(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (y.nums[i] ?? 0) - (x.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.rank !== y.rank) return y.rank - x.rank;
  if (x.n !== y.n) return y.n - x.n;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function renderVersion(v: StoredVersion, ctx: RenderContext): JsonObject {
  const out: JsonObject = { name: ctx.name, version: v.version, version_normalized: v.normalized };
  for (const [k, val] of Object.entries(v.data)) {
    if (k === 'name' || k === 'version' || k === 'version_normalized' || k === 'source' || k === 'dist') continue;
    out[k] = val;
  }
  out.source = { type: ctx.vcsType, url: ctx.sourceUrl, reference: v.commit };
  out.dist = { type: 'zip', url: ctx.distUrl(v.commit), reference: v.commit, shasum: '' };
  return out;
}

/** What ordering a package's versions needs of each. */
export type OrderableVersion = Pick<StoredVersion, 'version' | 'normalized' | 'isDev' | 'defaultBranch'>;

function sortDev(a: OrderableVersion, b: OrderableVersion): number {
  if (a.defaultBranch !== b.defaultBranch) return a.defaultBranch ? -1 : 1;
  const an = a.normalized.startsWith('dev-');
  const bn = b.normalized.startsWith('dev-');
  if (an !== bn) return an ? 1 : -1; // numeric branches (X.Y.x-dev) before named ones
  if (!an) return compareNewestFirst(a.normalized, b.normalized);
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}

/**
 * A package's versions in packagist.org's order, for showing them: dev branches (the default
 * branch first, as in the ~dev file), then tagged versions newest first.
 */
export function packagistOrder<T extends OrderableVersion>(versions: readonly T[]): T[] {
  return [
    ...versions.filter((v) => v.isDev).sort(sortDev),
    ...versions.filter((v) => !v.isDev).sort((a, b) => compareNewestFirst(a.normalized, b.normalized)),
  ];
}

export interface P2Documents {
  tags: string;
  dev: string;
}

/** The two p2 files of a package: `{"packages":{name:[...]},"minified":"composer/2.0"}`. */
export function buildP2Documents(versions: readonly StoredVersion[], ctx: RenderContext): P2Documents {
  const ordered = packagistOrder(versions);
  const tags = ordered.filter((v) => !v.isDev);
  const dev = ordered.filter((v) => v.isDev);
  const doc = (list: StoredVersion[]) =>
    JSON.stringify({ packages: { [ctx.name]: minify(list.map((v) => renderVersion(v, ctx))) }, minified: 'composer/2.0' });
  return { tags: doc(tags), dev: doc(dev) };
}
