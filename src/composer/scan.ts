// Turns a repository's refs and their composer.json files into the versions composer itself
// would derive (composer's VcsRepository rules), with a reason for every ref it skips. Pure.
import type { RemoteRef, RemoteState } from '../vcs/types.js';
import { applyManifestVersion, branchToVersion, parseStability, tagToVersion } from '../domain/versions.js';
import { validatePackageName } from '../domain/names.js';
import { parseManifest, publishedFields, type Manifest } from './manifest.js';
import type { JsonObject } from './json.js';
import { DEFAULT_PACKAGE_LIMITS, metadataBudgetReason, oversizedReason, refsLimitReason, refsWithinLimit, type PackageLimits } from './package-limits.js';

export interface ScanInput {
  remote: RemoteState;
  /** composer.json bytes per commit; null when that commit has none. */
  manifests: ReadonlyMap<string, Buffer | null>;
  /** Commit dates as RFC 3339 strings (used when composer.json has no `time`). */
  times: ReadonlyMap<string, string>;
  /** Sizes of composer.json files over limits.composer_json_bytes, per commit (never read). */
  oversized?: ReadonlyMap<string, number>;
  /** What one package may cost (default: the config's defaults). */
  limits?: PackageLimits;
}

export interface ScannedVersion {
  version: string;
  normalized: string;
  isDev: boolean;
  refKind: 'tag' | 'branch';
  refName: string;
  commit: string;
  stability: string;
  time: string | null;
  /** Published fields except name, version, version_normalized, source and dist. */
  data: JsonObject;
}

export interface RefOutcome {
  kind: 'tag' | 'branch';
  name: string;
  commit: string;
  version: string | null;
  skipReason: string | null;
}

export type ScanResult =
  | { ok: true; name: string; versions: ScannedVersion[]; refs: RefOutcome[] }
  | { ok: false; error: string };

/** Refs are taken in the driver's order (composer's order for that VCS: the first of two equal versions wins). */
export function scanRefs(input: ScanInput): ScanResult {
  const { remote, manifests } = input;
  const limits = input.limits ?? DEFAULT_PACKAGE_LIMITS;
  const oversized = input.oversized ?? new Map<string, number>();
  /** The size of a commit's composer.json when it is over the limit (not read, or cached under a larger one). */
  const tooLarge = (commit: string): number | undefined => {
    const size = oversized.get(commit) ?? manifests.get(commit)?.length;
    return size !== undefined && size > limits.composerJsonBytes ? size : undefined;
  };
  const root = remote.refs.find((r) => r.kind === 'branch' && r.name === remote.defaultBranch);
  if (!root) return { ok: false, error: `the default branch "${remote.defaultBranch}" was not found in the repository` };
  const rootSize = tooLarge(root.commit);
  if (rootSize !== undefined) {
    return { ok: false, error: `the default branch "${root.name}": ${oversizedReason(rootSize, limits)}; the package name is taken from it` };
  }
  const rootBytes = manifests.get(root.commit);
  if (rootBytes === undefined || rootBytes === null) {
    return { ok: false, error: `the default branch "${root.name}" has no composer.json; the package name is taken from it` };
  }
  const rootManifest = parseManifest(rootBytes);
  if (!rootManifest.ok) return { ok: false, error: `composer.json of the default branch "${root.name}": ${rootManifest.reason}` };
  const rawName = rootManifest.manifest.name;
  if (typeof rawName !== 'string' || rawName === '') {
    return { ok: false, error: `composer.json of the default branch "${root.name}" has no "name"` };
  }
  const nameProblem = validatePackageName(rawName);
  if (nameProblem) return { ok: false, error: `composer.json of the default branch "${root.name}": ${nameProblem}` };
  const name = rawName;

  const versions: ScannedVersion[] = [];
  const refs: RefOutcome[] = [];
  const seen = new Map<string, string>();
  const skip = (r: RemoteRef, reason: string) => refs.push({ kind: r.kind, name: r.name, commit: r.commit, version: null, skipReason: reason });
  const within = refsWithinLimit(remote, limits);
  // The default branch's share is set aside first: tags never crowd out the package's root.
  let published = rootBytes.length;
  const manifestOf = (r: RemoteRef): Manifest | null => {
    const size = tooLarge(r.commit);
    if (size !== undefined) {
      skip(r, oversizedReason(size, limits));
      return null;
    }
    const bytes = manifests.get(r.commit);
    if (bytes === undefined || bytes === null) {
      skip(r, `no composer.json in this ${r.kind}`);
      return null;
    }
    const parsed = parseManifest(bytes);
    if (!parsed.ok) skip(r, parsed.reason);
    return parsed.ok ? parsed.manifest : null;
  };
  /** Publishes a version unless its normalized form is taken (composer: the first one wins). */
  const publish = (r: RemoteRef, m: Manifest, version: string, normalized: string): void => {
    const first = seen.get(normalized);
    if (first !== undefined) {
      skip(r, `same version as ${r.kind} "${first}" (${normalized}), which is published`);
      return;
    }
    const fields = publishedFields(m, version);
    if (!fields.ok) {
      skip(r, fields.reason);
      return;
    }
    const size = manifests.get(r.commit)?.length ?? 0;
    if (r !== root) {
      if (published + size > limits.packageMetadataBytes) {
        skip(r, metadataBudgetReason(limits));
        return;
      }
      published += size;
    }
    seen.set(normalized, r.name);
    const data = fields.data;
    delete data['default-branch'];
    if (r.kind === 'branch' && r.name === remote.defaultBranch) data['default-branch'] = true;
    if (data.time === undefined) {
      const t = input.times.get(r.commit);
      if (t) data.time = t;
    }
    const isDev = r.kind === 'branch';
    versions.push({
      version, normalized, isDev, refKind: r.kind, refName: r.name, commit: r.commit,
      stability: isDev ? 'dev' : parseStability(normalized), time: typeof data.time === 'string' ? data.time : null, data,
    });
    refs.push({ kind: r.kind, name: r.name, commit: r.commit, version, skipReason: null });
  };

  for (const tag of remote.refs.filter((r) => r.kind === 'tag')) {
    if (!within.has(tag)) {
      skip(tag, refsLimitReason(limits));
      continue;
    }
    const tv = tagToVersion(tag.name);
    if (!tv.ok) {
      skip(tag, tv.reason);
      continue;
    }
    const m = manifestOf(tag);
    if (!m) continue;
    const final = applyManifestVersion(tv, m.version);
    if (!final.ok) skip(tag, final.reason);
    else publish(tag, m, final.version, final.normalized);
  }

  for (const branch of remote.refs.filter((r) => r.kind === 'branch')) {
    if (!within.has(branch)) {
      skip(branch, refsLimitReason(limits));
      continue;
    }
    const bv = branchToVersion(branch.name);
    if (!bv.ok) {
      skip(branch, bv.reason);
      continue;
    }
    const m = manifestOf(branch);
    if (m) publish(branch, m, bv.version, bv.normalized);
  }
  return { ok: true, name, versions, refs };
}

/**
 * Commits whose composer.json must be read: new ones, plus the default branch, always; only for
 * refs within limits.refs_per_package.
 */
export function commitsToRead(remote: RemoteState, cached: ReadonlySet<string>, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS): string[] {
  const out = new Set<string>();
  for (const r of refsWithinLimit(remote, limits)) {
    if (!cached.has(r.commit)) out.add(r.commit);
    if (r.kind === 'branch' && r.name === remote.defaultBranch) out.add(r.commit);
  }
  return [...out];
}
