// Turns a failed svn command (its stderr, or a timeout) into an AppError with a stable code and a
// message that names the (redacted) URL and the credential and says what to do, with no secret.

import { AppError } from '../domain/errors.js';
import { describeCredential } from './git-env.js';
import { lastStderrLine } from './git-errors.js';
import type { RunResult } from './process.js';
import type { VcsCredential } from './types.js';

export interface SvnErrorContext {
  /** The svn subcommand, e.g. "ls". */
  operation: string;
  /** Already redacted. */
  url: string;
  credential: VcsCredential | undefined;
  credentialName?: string | undefined;
  secrets: readonly string[];
  timeoutMs: number;
}

const HOST_KEY_UNKNOWN = /No \S+ host key is known for|Host key verification failed/;
const HOST_KEY_CHANGED = /REMOTE HOST IDENTIFICATION HAS CHANGED/;
const AUTH_FAILED =
  /E170001|E215004|E175013|Authentication failed|Authentication error from server|authorization failed|Permission denied \((?:publickey|password|keyboard)|Password incorrect|Username not found|No more credentials/i;
const TLS_UNTRUSTED = /E230001|certificate verification failed|certificate verify failed|SSL certificate problem/i;
const NOT_FOUND =
  /E170000|E160013|W160013|E160006|E210005|E180001|path not found|Could not (?:open|find) the requested SVN filesystem|No repository found|non-existent in revision|doesn't exist|Unable to open an ra_local session/i;

/** Maps a failed run of svn (non-zero exit, timeout, spawn failure) to the AppError a user should see. */
export function svnError(result: RunResult, ctx: SvnErrorContext): AppError {
  const details = { url: ctx.url, operation: ctx.operation };
  const credential = describeCredential(ctx.credential, ctx.credentialName);
  if (result.outcome === 'spawn-failed') {
    return new AppError('VCS_ERROR', `could not run svn ${ctx.operation} for ${ctx.url}: ${result.error.message}`, details);
  }
  if (result.outcome === 'timeout') {
    return new AppError(
      'VCS_TIMEOUT',
      `svn ${ctx.operation} for ${ctx.url} did not finish within ${ctx.timeoutMs} ms and was stopped; check that the server answers`,
      details,
    );
  }
  const stderr = result.stderr;
  if (HOST_KEY_CHANGED.test(stderr)) {
    return new AppError(
      'VCS_HOST_KEY',
      `host key verification failed for ${ctx.url}: the server's host key does not match the pinned one; ` +
        'if the server really changed its key, pin the new one with --known-hosts',
      details,
    );
  }
  if (HOST_KEY_UNKNOWN.test(stderr)) {
    return new AppError(
      'VCS_HOST_KEY',
      `host key verification failed for ${ctx.url}: the server's host key is unknown; ` +
        'pin it with --known-hosts on the credential (a known_hosts line such as ssh-keyscan prints)',
      details,
    );
  }
  if (TLS_UNTRUSTED.test(stderr)) {
    return new AppError(
      'VCS_TLS',
      `the TLS certificate of ${ctx.url} is not trusted (${lastStderrLine(stderr, ctx.secrets)}); ` +
        'give the credential the CA that signed it (packyard credential add … --ca-file FILE)',
      details,
    );
  }
  if (AUTH_FAILED.test(stderr)) {
    const hint =
      ctx.credential === undefined
        ? 'the repository needs a credential; add one and attach it to the package'
        : ctx.credential.type === 'ssh-key'
          ? "check that the key's public key is authorized on the server"
          : 'check the user name and password/token';
    return new AppError('VCS_AUTH_FAILED', `authentication failed for ${ctx.url} with credential ${credential}; ${hint}`, details);
  }
  if (NOT_FOUND.test(stderr)) {
    return new AppError(
      'VCS_NOT_FOUND',
      `repository ${ctx.url} or a path in it was not found (${lastStderrLine(stderr, ctx.secrets)}); ` +
        `check the URL and the trunk/branches/tags paths, and that the credential ${credential} may read it`,
      details,
    );
  }
  return new AppError('VCS_ERROR', `svn ${ctx.operation} failed for ${ctx.url}: ${lastStderrLine(stderr, ctx.secrets)}`, details);
}
