// Names of the job types, shared by the code that enqueues and the code that runs them.
export const UPDATE_PACKAGE = 'update-package';
export const BUILD_DIST = 'build-dist';
export const HOUSEKEEPING = 'housekeeping';
export const SYNC_ORG = 'sync-org';
export const SYNC_PREVIEW = 'sync-preview';
