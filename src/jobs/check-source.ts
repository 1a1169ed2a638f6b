// The check-source job: "Check" on the New organization page asks the forge about a sync source
// (Forge.describeSource) here, not in the web request, where the client's retries could take
// minutes; the page polls the job. Its result is what the forge said, or the job fails with it.
import type { ForgeProvider } from '../sync/forges.js';
import { isForgeError } from '../forges/types.js';
import { JobError, type JobHandler } from './runner.js';
import type { JobQueue } from './queue.js';
import { CHECK_SOURCE, PRIORITY } from './job-types.js';

export { CHECK_SOURCE };

/** The result of a done check: the source as the forge describes it, or that it has none. */
export type SourceCheckResult = { found: true; login: string; name: string | null; repositories: number | null } | { found: false };

export const checkSourceLockKey = (integration: string, source: string): string => `check-source:${integration}:${source}`;

/** One attempt per request; a second Check of the same source while one is queued gets the same job. */
export function requestSourceCheck(queue: JobQueue, integration: string, source: string, trigger: string) {
  return queue.enqueue({
    type: CHECK_SOURCE,
    lockKey: checkSourceLockKey(integration, source),
    payload: { integration, source },
    trigger,
    maxAttempts: 1,
    priority: PRIORITY.asked,
  });
}

/** The forge of each integration, which describes a source. */
export interface CheckSourceDeps {
  forges: Pick<ForgeProvider, 'get'>;
}

export function createCheckSourceHandler(deps: CheckSourceDeps): JobHandler {
  return async ({ job }) => {
    const p = job.payload as { integration?: unknown; source?: unknown };
    const integration = String(p.integration ?? '');
    const source = String(p.source ?? '');
    try {
      const info = await deps.forges.get(integration).describeSource(source);
      const result: SourceCheckResult = info ? { found: true, ...info } : { found: false };
      return result;
    } catch (e) {
      if (!isForgeError(e)) throw e;
      throw new JobError(`${integration} answered: ${e.message} (${e.kind})`, false);
    }
  };
}
