// VCS drivers by type: the only place that knows which driver serves which repository type.
import type { Driver, DriverOptions, VcsType } from './types.js';
import { createGitDriver } from './git.js';
import { createHgDriver } from './hg.js';
import { createSvnDriver } from './svn.js';

export type DriverFactory = (opts: DriverOptions) => Driver;

export function defaultDrivers(): ReadonlyMap<VcsType, DriverFactory> {
  return new Map<VcsType, DriverFactory>([
    ['git', createGitDriver],
    ['hg', createHgDriver],
    ['svn', createSvnDriver],
  ]);
}

/** Types whose reads, dates and archives go to the server (no local mirror): svn. */
export const READS_FROM_REMOTE: ReadonlySet<VcsType> = new Set<VcsType>(['svn']);
