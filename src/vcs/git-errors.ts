// Turns a failed git command (its stderr, or a timeout) into an AppError with a stable code and
// a message that names the (redacted) URL and says what to do, without any secret in it.

import { AppError } from '../domain/errors.js';
import { describeCredential, scrubSecrets } from './git-env.js';
import type { RunResult } from './process.js';
import type { VcsCredential } from './types.js';
import { redactUrlsInText } from './url.js';

export interface GitErrorContext {
  /** The git subcommand, e.g. "ls-remote". */
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
  /Authentication failed for|could not read (?:Username|Password)|Permission denied \((?:publickey|password|keyboard)|HTTP Basic: Access denied|Invalid username or password|The requested URL returned error: 40[13]/i;
const TLS_UNTRUSTED = /SSL certificate problem|server certificate verification failed|certificate verify failed|unable to get local issuer certificate|self[- ]signed certificate/i;
const NOT_FOUND =
  /Repository not found|repository '[^']*' not found|does not appear to be a git repository|The requested URL returned error: 404|No such (?:repository|project)/i;

/** The last meaningful stderr line, cleaned for display. */
export function lastStderrLine(stderr: string, secrets: readonly string[]): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const last = lines[lines.length - 1] ?? '(no output)';
  return scrubSecrets(redactUrlsInText(last), secrets).slice(0, 500);
}

/** Maps a failed run of git (non-zero exit, timeout, spawn failure) to the AppError a user should see. */
export function gitError(result: RunResult, ctx: GitErrorContext): AppError {
  const details = { url: ctx.url, operation: ctx.operation };
  if (result.outcome === 'spawn-failed') {
    return new AppError('VCS_ERROR', `could not run git ${ctx.operation} for ${ctx.url}: ${result.error.message}`, details);
  }
  if (result.outcome === 'timeout') {
    return new AppError(
      'VCS_TIMEOUT',
      `git ${ctx.operation} for ${ctx.url} did not finish within ${ctx.timeoutMs} ms and was stopped`,
      details,
    );
  }
  const stderr = result.stderr;
  if (HOST_KEY_CHANGED.test(stderr)) {
    return new AppError(
      'VCS_HOST_KEY',
      `host key verification failed for ${ctx.url}: the server's host key does not match the pinned one; ` +
        "if the server's key really changed, check the new fingerprint with the server's admin and pin it " +
        '(packyard host-key scan HOST:PORT --pin, or host-key add with known_hosts lines)',
      details,
    );
  }
  if (HOST_KEY_UNKNOWN.test(stderr)) {
    return new AppError(
      'VCS_HOST_KEY',
      `host key verification failed for ${ctx.url}: the server's host key is unknown; ` +
        "pin it with packyard host-key add (known_hosts lines such as ssh-keyscan prints) or host-key scan HOST:PORT --pin",
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
    const credential = describeCredential(ctx.credential, ctx.credentialName);
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
      `repository ${ctx.url} was not found (or the credential ${describeCredential(ctx.credential, ctx.credentialName)} may not read it)`,
      details,
    );
  }
  return new AppError(
    'VCS_ERROR',
    `git ${ctx.operation} failed for ${ctx.url}: ${lastStderrLine(stderr, ctx.secrets)}`,
    details,
  );
}
