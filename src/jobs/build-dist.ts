// Builds a dist zip ahead of its first download, so it exists even if the tag moves later.
import type { DistStore } from '../composer/dist.js';
import type { JobHandler } from './runner.js';
import { driverFor, type DriverDeps } from './update-package.js';
import { BUILD_DIST } from './job-types.js';

export { BUILD_DIST };

/** The dist store, and what building the package's driver needs. */
export interface BuildDistDeps extends DriverDeps {
  dists: Pick<DistStore, 'ensure'>;
}

export function createBuildDistHandler(deps: BuildDistDeps): JobHandler {
  return async ({ job }) => {
    const packageId = Number(job.payload.packageId);
    const commit = String(job.payload.commit);
    const d = await deps.dists.ensure(packageId, commit, async () => driverFor(deps, packageId));
    return { size: d.size, sha1: d.sha1 };
  };
}
