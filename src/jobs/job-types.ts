// Names of the job types, shared by the code that enqueues and the code that runs them.
export const UPDATE_PACKAGE = 'update-package';
export const BUILD_DIST = 'build-dist';
export const HOUSEKEEPING = 'housekeeping';
export const SYNC_ORG = 'sync-org';
export const SYNC_PREVIEW = 'sync-preview';
export const CHECK_REPO = 'check-repo';
export const CHECK_SOURCE = 'check-source';

/** The trigger of jobs the schedule queues (cron); a sync with it checks packages without push times. */
export const SCHEDULE_TRIGGER = 'schedule';

/**
 * jobs.priority: work a person or a webhook asked for (Update now, the CLI, the API, hooks) runs
 * before background work (syncs' imports, cron, dist builds ahead), and only it may take the
 * last free job slot.
 */
export const PRIORITY = { background: 0, asked: 1 } as const;
