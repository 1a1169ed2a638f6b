// git's failure patterns for the shared classification in vcs-errors.ts.

import type { AppError } from '../domain/errors.js';
import type { RunResult } from './process.js';
import { vcsError, type VcsErrorContext, type VcsErrorPatterns } from './vcs-errors.js';

export { lastStderrLine } from './vcs-errors.js';
export type GitErrorContext = VcsErrorContext;

const GIT: VcsErrorPatterns = {
  tool: 'git',
  auth: /Authentication failed for|could not read (?:Username|Password)|Permission denied \((?:publickey|password|keyboard)|HTTP Basic: Access denied|Invalid username or password|The requested URL returned error: 40[13]/i,
  tls: /SSL certificate problem|server certificate verification failed|certificate verify failed|unable to get local issuer certificate|self[- ]signed certificate/i,
  notFound:
    /Repository not found|repository '[^']*' not found|does not appear to be a git repository|The requested URL returned error: 404|No such (?:repository|project)/i,
  // Tested before notFound: ssh's and curl's own words, not git's closing advice lines.
  unreachable: /Connection refused|Could not resolve (?:host|hostname)|Name or service not known|No route to host|Connection timed out|Network is unreachable|Failed to connect to/i,
  redirect: /The requested URL returned error: (30[12378])/,
  timeoutHint: 'check that the server is reachable and answers, or raise vcs.timeout_seconds',
  notFoundMessage: (ctx, credential) => `Repository ${ctx.url} was not found (or the credential ${credential} may not read it).`,
};

/** Maps a failed run of git (non-zero exit, timeout, spawn failure) to the AppError a user should see. */
export function gitError(result: RunResult, ctx: GitErrorContext): AppError {
  return vcsError(result, ctx, GIT);
}
