// Turns a failed hg command (its stderr, or a timeout) into an AppError with a stable code and a
// message that names the (redacted) URL and the credential and says what to do, without secrets.

import { AppError } from '../domain/errors.js';
import { describeCredential, scrubSecrets } from './git-env.js';
import type { VcsCredential } from './types.js';
import { redactUrlsInText } from './url.js';

export interface HgErrorContext {
  /** The hg subcommand, e.g. "pull". */
  operation: string;
  /** Already redacted. */
  url: string;
  credential: VcsCredential | undefined;
  credentialName?: string | undefined;
  secrets: readonly string[];
  timeoutMs: number;
}

export type HgFailure =
  | { outcome: 'exited'; code: number; stderr: string }
  | { outcome: 'timeout' }
  | { outcome: 'spawn-failed'; error: Error };

const HOST_KEY_CHANGED = /REMOTE HOST IDENTIFICATION HAS CHANGED/;
const HOST_KEY_UNKNOWN = /No \S+ host key is known for|Host key verification failed/;
const AUTH_FAILED =
  /authorization failed|HTTP Error 401|Permission denied \((?:publickey|password|keyboard)|http authorization required/i;
const TLS_UNTRUSTED = /CERTIFICATE_VERIFY_FAILED|certificate verify failed|unable to get local issuer certificate|self[- ]signed certificate|SSL certificate problem/i;
const NOT_FOUND =
  /HTTP Error 404|does not appear to be an hg repository|no suitable response from remote hg|repository \S+ not found|There is no Mercurial repository here|not a Mercurial bundle|repository .* does not exist/i;

// ssh and hg's http client both report these before hg's generic "no suitable response".
const UNREACHABLE = /Connection refused|Could not resolve hostname|Name or service not known|No route to host|Connection timed out|Network is unreachable/i;

/** The last meaningful stderr line, cleaned for display. */
export function lastHgStderrLine(stderr: string, secrets: readonly string[]): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    // hg's hints ("(see 'hg help …')") say less than the abort line before them.
    .filter((l) => l !== '' && !/^\(.*\)$/.test(l));
  const last = lines[lines.length - 1] ?? '(no output)';
  return scrubSecrets(redactUrlsInText(last), secrets).slice(0, 500);
}

/** Maps a failed hg run to the AppError a user should see. */
export function hgError(result: HgFailure, ctx: HgErrorContext): AppError {
  const details = { url: ctx.url, operation: ctx.operation };
  const credential = describeCredential(ctx.credential, ctx.credentialName);
  if (result.outcome === 'spawn-failed') {
    return new AppError('VCS_ERROR', `could not run hg ${ctx.operation} for ${ctx.url}: ${result.error.message}`, details);
  }
  if (result.outcome === 'timeout') {
    return new AppError(
      'VCS_TIMEOUT',
      `hg ${ctx.operation} for ${ctx.url} did not finish within ${ctx.timeoutMs} ms and was stopped; ` +
        'check that the server is reachable and answers, or raise vcs.timeout_seconds',
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
      `the TLS certificate of ${ctx.url} is not trusted (${lastHgStderrLine(stderr, ctx.secrets)}); ` +
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
  if (UNREACHABLE.test(stderr)) {
    return new AppError(
      'VCS_ERROR',
      `could not connect to ${ctx.url} (${lastHgStderrLine(stderr, ctx.secrets)}); check the host name, port and network`,
      details,
    );
  }
  if (NOT_FOUND.test(stderr)) {
    return new AppError(
      'VCS_NOT_FOUND',
      `repository ${ctx.url} was not found (or the credential ${credential} may not read it); check the URL`,
      details,
    );
  }
  return new AppError('VCS_ERROR', `hg ${ctx.operation} failed for ${ctx.url}: ${lastHgStderrLine(stderr, ctx.secrets)}`, details);
}
