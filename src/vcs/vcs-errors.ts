// The classification that git, hg and svn failures share: a failed run (its stderr, a timeout or
// a spawn failure) becomes an AppError with a stable code and a message that names the (redacted)
// URL and the credential and says what to do, with no secret in it. Each VCS gives its own
// patterns (git-errors.ts, hg-errors.ts, svn-errors.ts); the host-key ones come from ssh and are
// the same for all three.

import { AppError, type ErrorCode } from '../domain/errors.js';
import { describeCredential, scrubSecrets } from './git-env.js';
import type { VcsCredential } from './types.js';
import { redactUrlsInText } from './url.js';

/** A Bearer-only credential: only git sends one; hg's [auth] and svn speak user and password. */
export function bearerRefused(tool: string): AppError {
  return new AppError(
    'CREDENTIAL_INVALID',
    `This package's credential is a token the server takes only as an HTTP Bearer token, which ${tool} cannot send, so it is not used. ` +
      'Give the package a stored credential (packyard credential add), or configure the integration with a user name and a token or password it accepts as Basic.',
    { credentialType: 'http-bearer' },
  );
}

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
  /** A redirect the tool did not follow (git: `http.followRedirects`); group 1 is the status. */
  redirect?: RegExp;
  /** Lines that say less than the one before them (hg's "(see 'hg help …')" hints). */
  skipLine?: RegExp;
  timeoutHint: string;
  notFoundMessage: (ctx: VcsErrorContext, credential: string, lastLine: string) => string;
}

// ssh's own words, whichever VCS ran it.
const HOST_KEY_CHANGED = /REMOTE HOST IDENTIFICATION HAS CHANGED/;
const HOST_KEY_UNKNOWN = /No \S+ host key is known for|Host key verification failed/;

// Lines that carry the error itself, in git's, hg's, svn's and ssh's words; the lines after them
// are often advice fragments ("and the repository exists.").
const ERROR_LINE = /^(?:fatal|error|abort|ssh|svn: E\d+)\b.*:/i;

/**
 * The stderr line that says what went wrong, cleaned for display: the last line matching
 * `prefer` (the pattern that classified the failure), else the last fatal:/error:/abort:/svn: E
 * line, else the last line.
 */
export function lastStderrLine(stderr: string, secrets: readonly string[], skip?: RegExp, prefer?: RegExp): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !(skip?.test(l) ?? false));
  const lastOf = (re: RegExp | undefined): string | undefined => (re === undefined ? undefined : lines.filter((l) => re.test(l)).pop());
  const chosen = lastOf(prefer) ?? lastOf(ERROR_LINE) ?? lines[lines.length - 1] ?? '(no output)';
  return scrubSecrets(redactUrlsInText(chosen), secrets).slice(0, 500);
}

/** Makes a message one sentence: a capital first letter and a full stop (stderr lines often lack it). */
export function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Maps a failed run to the AppError a user should see; every message is one or more sentences. */
export function vcsError(result: VcsFailure, ctx: VcsErrorContext, p: VcsErrorPatterns): AppError {
  const details = { url: ctx.url, operation: ctx.operation };
  const command = `${p.tool} ${ctx.operation}`;
  const error = (code: ErrorCode, message: string): AppError => new AppError(code, sentence(message), details);
  if (result.outcome === 'spawn-failed') {
    return error('VCS_ERROR', `Could not run ${command} for ${ctx.url}: ${result.error.message}`);
  }
  if (result.outcome === 'timeout') {
    return error('VCS_TIMEOUT', `The command ${command} for ${ctx.url} did not finish within ${ctx.timeoutMs} ms and was stopped; ${p.timeoutHint}`);
  }
  const stderr = result.stderr;
  const last = (prefer?: RegExp) => lastStderrLine(stderr, ctx.secrets, p.skipLine, prefer);
  const credential = describeCredential(ctx.credential, ctx.credentialName);
  if (HOST_KEY_CHANGED.test(stderr)) {
    return error(
      'VCS_HOST_KEY',
      `Host key verification failed for ${ctx.url}: the server's host key does not match the pinned one; ` +
        "if the server's key really changed, check the new fingerprint with the server's admin and pin it " +
        '(packyard host-key scan HOST:PORT --pin, or host-key add with known_hosts lines)',
    );
  }
  if (HOST_KEY_UNKNOWN.test(stderr)) {
    return error(
      'VCS_HOST_KEY',
      `Host key verification failed for ${ctx.url}: the server's host key is unknown; ` +
        'pin it with packyard host-key add (known_hosts lines such as ssh-keyscan prints) or host-key scan HOST:PORT --pin',
    );
  }
  if (p.tls.test(stderr)) {
    return error(
      'VCS_TLS',
      `The TLS certificate of ${ctx.url} is not trusted (${last(p.tls)}); give the credential the CA that signed it (packyard credential add … --ca-file FILE)`,
    );
  }
  if (p.auth.test(stderr)) {
    const hint =
      ctx.credential === undefined
        ? 'the repository needs a credential; add one and attach it to the package'
        : ctx.credential.type === 'ssh-key'
          ? "check that the key's public key is authorized on the server"
          : 'check the user name and password/token';
    return error('VCS_AUTH_FAILED', `Authentication failed for ${ctx.url} with credential ${credential}; ${hint}`);
  }
  const redirect = p.redirect?.exec(stderr);
  if (redirect) {
    const why =
      ctx.credential?.type === 'http-bearer'
        ? 'with a Bearer token no redirect is followed, since the token would go along to wherever it leads'
        : 'only the first request of a command may be redirected';
    return error('VCS_ERROR', `The server of ${ctx.url} answered with a redirect (HTTP ${redirect[1] ?? '3xx'}), which is not followed (${why}); give the package the URL the server redirects to`);
  }
  if (p.unreachable?.test(stderr)) {
    return error('VCS_ERROR', `Could not connect to ${ctx.url} (${last(p.unreachable)}); check the host name, port and network`);
  }
  if (p.notFound.test(stderr)) {
    return error('VCS_NOT_FOUND', p.notFoundMessage(ctx, credential, last(p.notFound)));
  }
  return error('VCS_ERROR', `The command ${command} failed for ${ctx.url}: ${last()}`);
}
