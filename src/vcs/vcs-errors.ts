// The classification that git, hg and svn failures share: a failed run (its stderr, a timeout or
// a spawn failure) becomes an AppError with a stable code and a message that names the (redacted)
// URL and the credential and says what to do, with no secret in it. Each VCS gives its own
// patterns (git-errors.ts, hg-errors.ts, svn-errors.ts); the host-key ones come from ssh and are
// the same for all three.

import { AppError } from '../domain/errors.js';
import { describeCredential, scrubSecrets } from './git-env.js';
import type { VcsCredential } from './types.js';
import { redactUrlsInText } from './url.js';

export interface VcsErrorContext {
  /** The subcommand, e.g. "ls-remote", "pull", "ls". */
  operation: string;
  /** Already redacted. */
  url: string;
  credential: VcsCredential | undefined;
  credentialName?: string | undefined;
  secrets: readonly string[];
  timeoutMs: number;
}

/** What a VCS command's failure can be (process.ts's RunResult fits, less its stdout). */
export type VcsFailure =
  | { outcome: 'exited'; code?: number | null; stderr: string }
  | { outcome: 'timeout' }
  | { outcome: 'spawn-failed'; error: Error };

export interface VcsErrorPatterns {
  tool: 'git' | 'hg' | 'svn';
  auth: RegExp;
  tls: RegExp;
  notFound: RegExp;
  /** Connection failures, tested before notFound (hg reports them as "no suitable response"). */
  unreachable?: RegExp;
  /** Lines that say less than the one before them (hg's "(see 'hg help …')" hints). */
  skipLine?: RegExp;
  timeoutHint: string;
  notFoundMessage: (ctx: VcsErrorContext, credential: string, lastLine: string) => string;
}

// ssh's own words, whichever VCS ran it.
const HOST_KEY_CHANGED = /REMOTE HOST IDENTIFICATION HAS CHANGED/;
const HOST_KEY_UNKNOWN = /No \S+ host key is known for|Host key verification failed/;

/** The last meaningful stderr line, cleaned for display. */
export function lastStderrLine(stderr: string, secrets: readonly string[], skip?: RegExp): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !(skip?.test(l) ?? false));
  const last = lines[lines.length - 1] ?? '(no output)';
  return scrubSecrets(redactUrlsInText(last), secrets).slice(0, 500);
}

/** Maps a failed run to the AppError a user should see. */
export function vcsError(result: VcsFailure, ctx: VcsErrorContext, p: VcsErrorPatterns): AppError {
  const details = { url: ctx.url, operation: ctx.operation };
  const command = `${p.tool} ${ctx.operation}`;
  if (result.outcome === 'spawn-failed') {
    return new AppError('VCS_ERROR', `could not run ${command} for ${ctx.url}: ${result.error.message}`, details);
  }
  if (result.outcome === 'timeout') {
    return new AppError('VCS_TIMEOUT', `${command} for ${ctx.url} did not finish within ${ctx.timeoutMs} ms and was stopped; ${p.timeoutHint}`, details);
  }
  const stderr = result.stderr;
  const last = () => lastStderrLine(stderr, ctx.secrets, p.skipLine);
  const credential = describeCredential(ctx.credential, ctx.credentialName);
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
        'pin it with packyard host-key add (known_hosts lines such as ssh-keyscan prints) or host-key scan HOST:PORT --pin',
      details,
    );
  }
  if (p.tls.test(stderr)) {
    return new AppError(
      'VCS_TLS',
      `the TLS certificate of ${ctx.url} is not trusted (${last()}); give the credential the CA that signed it (packyard credential add … --ca-file FILE)`,
      details,
    );
  }
  if (p.auth.test(stderr)) {
    const hint =
      ctx.credential === undefined
        ? 'the repository needs a credential; add one and attach it to the package'
        : ctx.credential.type === 'ssh-key'
          ? "check that the key's public key is authorized on the server"
          : 'check the user name and password/token';
    return new AppError('VCS_AUTH_FAILED', `authentication failed for ${ctx.url} with credential ${credential}; ${hint}`, details);
  }
  if (p.unreachable?.test(stderr)) {
    return new AppError('VCS_ERROR', `could not connect to ${ctx.url} (${last()}); check the host name, port and network`, details);
  }
  if (p.notFound.test(stderr)) {
    return new AppError('VCS_NOT_FOUND', p.notFoundMessage(ctx, credential, last()), details);
  }
  return new AppError('VCS_ERROR', `${command} failed for ${ctx.url}: ${last()}`, details);
}
