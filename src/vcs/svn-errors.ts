// svn's failure patterns for the shared classification in vcs-errors.ts (svn's E-codes first).

import type { AppError } from '../domain/errors.js';
import type { RunResult } from './process.js';
import { vcsError, type VcsErrorContext, type VcsErrorPatterns } from './vcs-errors.js';

export type SvnErrorContext = VcsErrorContext;

const SVN: VcsErrorPatterns = {
  tool: 'svn',
  auth: /E170001|E215004|E175013|Authentication failed|Authentication error from server|authorization failed|Permission denied \((?:publickey|password|keyboard)|Password incorrect|Username not found|No more credentials/i,
  tls: /E230001|certificate verification failed|certificate verify failed|SSL certificate problem/i,
  notFound:
    /E170000|E160013|W160013|E160006|E210005|E180001|path not found|Could not (?:open|find) the requested SVN filesystem|No repository found|non-existent in revision|doesn't exist|Unable to open an ra_local session/i,
  // The operating system's words (E000111 ECONNREFUSED, E000113 EHOSTUNREACH, E000101
  // ENETUNREACH, E670002/E670008 unknown host), not E170013 "Unable to connect", which also
  // precedes "No repository found".
  unreachable: /E000111|E000113|E000101|E670002|E670008|Connection refused|Can't connect to host|No route to host|Network is unreachable|Unknown hostname/i,
  timeoutHint: 'check that the server is reachable and answers, or raise vcs.timeout_seconds',
  notFoundMessage: (ctx, credential, last) =>
    `Repository ${ctx.url} or a path in it was not found (${last}); ` +
    `check the URL and the trunk/branches/tags paths, and that the credential ${credential} may read it.`,
};

/** Maps a failed run of svn (non-zero exit, timeout, spawn failure) to the AppError a user should see. */
export function svnError(result: RunResult, ctx: SvnErrorContext): AppError {
  return vcsError(result, ctx, SVN);
}
