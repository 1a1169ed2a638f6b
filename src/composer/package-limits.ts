// What one package may cost (config `limits`): the largest composer.json read, the most refs
// read from one repository, and the most composer.json bytes one package publishes. Pure: the
// scanner and the update job ask here which refs to read and why a ref is skipped.
import type { RemoteRef, RemoteState } from '../vcs/types.js';

export interface PackageLimits {
  /** limits.composer_json_bytes: a larger composer.json skips its ref (it is never read). */
  composerJsonBytes: number;
  /** limits.package_metadata_bytes: the sum of the published composer.json files' sizes. */
  packageMetadataBytes: number;
  /** limits.refs_per_package: refs past it (in composer's order) are not read. */
  refsPerPackage: number;
}

/** The config defaults (src/config/schema.ts), for callers that have no config. */
export const DEFAULT_PACKAGE_LIMITS: PackageLimits = {
  composerJsonBytes: 512 * 1024,
  packageMetadataBytes: 64 * 1024 * 1024,
  refsPerPackage: 20000,
};

export function packageLimitsOf(limits: { composer_json_bytes: number; package_metadata_bytes: number; refs_per_package: number }): PackageLimits {
  return {
    composerJsonBytes: limits.composer_json_bytes,
    packageMetadataBytes: limits.package_metadata_bytes,
    refsPerPackage: limits.refs_per_package,
  };
}

/** 512 KiB, 10.0 MiB: sizes in messages, in binary units as the config's documentation. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${n} bytes`;
  return `${Number.isInteger(v) ? v.toString() : v.toFixed(1)} ${units[i]}`;
}

export function oversizedReason(size: number, limits: PackageLimits): string {
  return `composer.json is ${formatBytes(size)}, over limits.composer_json_bytes (${formatBytes(limits.composerJsonBytes)})`;
}

export function metadataBudgetReason(limits: PackageLimits): string {
  return `the package's published composer.json files would exceed limits.package_metadata_bytes (${formatBytes(limits.packageMetadataBytes)})`;
}

export function refsLimitReason(limits: PackageLimits): string {
  return `past limits.refs_per_package (${limits.refsPerPackage} refs are read per package)`;
}

/**
 * The refs that are read, in composer's order (tags, then branches), at most refsPerPackage of
 * them; the default branch always (the package name comes from it) and counted first.
 */
export function refsWithinLimit(remote: RemoteState, limits: PackageLimits): Set<RemoteRef> {
  const isRoot = (r: RemoteRef) => r.kind === 'branch' && r.name === remote.defaultBranch;
  const ordered = [
    ...remote.refs.filter(isRoot).slice(0, 1),
    ...remote.refs.filter((r) => r.kind === 'tag'),
    ...remote.refs.filter((r) => r.kind === 'branch' && !isRoot(r)),
  ];
  return new Set(ordered.slice(0, Math.max(1, limits.refsPerPackage)));
}
