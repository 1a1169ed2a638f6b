// hg's failure patterns for the shared classification in vcs-errors.ts.

import type { AppError } from '../domain/errors.js';
import { vcsError, type VcsErrorContext, type VcsErrorPatterns, type VcsFailure } from './vcs-errors.js';

export type HgErrorContext = VcsErrorContext;
export type HgFailure = VcsFailure;

// hg's hints ("(see 'hg help …')") say less than the abort line before them.
const HINT = /^\(.*\)$/;

const HG: VcsErrorPatterns = {
  tool: 'hg',
  auth: /authorization failed|HTTP Error 401|Permission denied \((?:publickey|password|keyboard)|http authorization required/i,
  tls: /CERTIFICATE_VERIFY_FAILED|certificate verify failed|unable to get local issuer certificate|self[- ]signed certificate|SSL certificate problem/i,
  notFound:
    /HTTP Error 404|does not appear to be an hg repository|no suitable response from remote hg|repository \S+ not found|There is no Mercurial repository here|not a Mercurial bundle|repository .* does not exist/i,
  // ssh and hg's http client both report these before hg's generic "no suitable response".
  unreachable: /Connection refused|Could not resolve hostname|Name or service not known|No route to host|Connection timed out|Network is unreachable/i,
  skipLine: HINT,
  timeoutHint: 'check that the server is reachable and answers, or raise vcs.timeout_seconds',
  notFoundMessage: (ctx, credential) => `Repository ${ctx.url} was not found (or the credential ${credential} may not read it); check the URL.`,
};

/** Maps a failed hg run to the AppError a user should see. */
export function hgError(result: HgFailure, ctx: HgErrorContext): AppError {
  return vcsError(result, ctx, HG);
}
