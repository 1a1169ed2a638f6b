// Who sees the detail of a repository's connection error: its text tells an open port from a
// closed one (or a live host from a dead one), so people without package:diagnose (members,
// tokens) get one generic sentence; owners and admins see the error as recorded. Pure.

/** Codes whose message describes what the server's connection attempt met. */
export const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'VCS_ERROR', 'VCS_TIMEOUT', 'VCS_TLS', 'VCS_NOT_FOUND', 'VCS_AUTH_FAILED', 'VCS_HOST_KEY', 'INTERNAL',
]);

export const GENERIC_CONNECTION_ERROR = 'Could not reach the repository; an owner can see the detail.';

/**
 * The error text to show: as recorded when the viewer may see the detail or the error is not a
 * connection error (a refused URL, an invalid composer.json), else the generic sentence.
 * `code` is the package's last error code (a job's error is the package's failure).
 */
export function shownError(message: string | null, code: string | null, mayDiagnose: boolean): string | null {
  if (message === null || mayDiagnose) return message;
  return code !== null && CONNECTION_ERROR_CODES.has(code) ? GENERIC_CONNECTION_ERROR : message;
}
