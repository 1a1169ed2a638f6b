// Every VCS error a user can see reads as a sentence: a capital first letter, a full stop at the
// end, and the stderr line that says what went wrong (not git's closing advice fragment).
import t from 'tap';
import { gitError } from '../../../src/vcs/git-errors.js';
import { hgError } from '../../../src/vcs/hg-errors.js';
import { svnError } from '../../../src/vcs/svn-errors.js';
import type { VcsErrorContext, VcsFailure } from '../../../src/vcs/vcs-errors.js';

const GIT_ADVICE = '\nPlease make sure you have the correct access rights\nand the repository exists.\n';

const kinds: Record<string, { git: string; hg: string; svn: string; code: string }> = {
  auth: { git: "fatal: Authentication failed for 'https://h/x.git/'", hg: 'abort: authorization failed', svn: 'svn: E170001: Authentication error from server: Password incorrect', code: 'VCS_AUTH_FAILED' },
  tls: { git: 'fatal: unable to access: SSL certificate problem: self-signed certificate', hg: 'abort: error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed', svn: 'svn: E230001: Server SSL certificate verification failed: issuer is not trusted', code: 'VCS_TLS' },
  notFound: { git: 'fatal: repository \'https://h/x.git/\' not found', hg: 'abort: HTTP Error 404: Not Found', svn: "svn: E170000: URL 'https://h/x' doesn't exist", code: 'VCS_NOT_FOUND' },
  hostKeyUnknown: { git: 'Host key verification failed.\nfatal: Could not read from remote repository.' + GIT_ADVICE, hg: 'Host key verification failed.\nabort: no suitable response from remote hg', svn: 'Host key verification failed.\nsvn: E170013: Unable to connect', code: 'VCS_HOST_KEY' },
  hostKeyChanged: { git: '@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@' + GIT_ADVICE, hg: 'WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!', svn: 'WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!', code: 'VCS_HOST_KEY' },
  unreachable: {
    git: 'ssh: connect to host 127.0.0.1 port 1: Connection refused\r\nfatal: Could not read from remote repository.' + GIT_ADVICE,
    hg: 'abort: error: Connection refused',
    svn: 'svn: E170013: Unable to connect to a repository at URL\nsvn: E000111: Can\'t connect to host \'127.0.0.1\': Connection refused',
    code: 'VCS_ERROR',
  },
  other: { git: 'fatal: the remote end hung up unexpectedly' + GIT_ADVICE, hg: 'abort: weird\n(see \'hg help\')', svn: 'svn: E999999: something odd', code: 'VCS_ERROR' },
  noOutput: { git: '', hg: '', svn: '', code: 'VCS_ERROR' },
};

const ctx = (credential: VcsErrorContext['credential']): VcsErrorContext => ({
  operation: 'ls-remote', url: 'ssh://git@h:2222/x.git', credential, credentialName: 'deploy', secrets: ['hunter22'], timeoutMs: 5000,
});

function readsAsSentence(t: { match: (a: string, r: RegExp, m: string) => unknown; notMatch: (a: string, r: RegExp, m: string) => unknown }, message: string, label: string): void {
  t.match(message, /^[A-Z]/, `${label}: starts with a capital`);
  t.match(message, /[.!?]$/, `${label}: ends with a full stop`);
  t.notMatch(message, /: and\b/i, `${label}: no advice fragment after a colon`);
  t.notMatch(message, /\.\.$|;\s*\.$/, `${label}: one full stop`);
}

t.test('each error kind of git, hg and svn composes into a sentence', async (t) => {
  const tools = { git: gitError, hg: hgError, svn: svnError } as const;
  for (const [tool, map] of Object.entries(tools)) {
    for (const [kind, stderrs] of Object.entries(kinds)) {
      for (const credential of [undefined, { type: 'http-basic' as const, username: 'u', password: 'hunter22' }, { type: 'ssh-key' as const, privateKey: 'k' }]) {
        const failure: VcsFailure = { outcome: 'exited', code: 1, stderr: stderrs[tool as 'git' | 'hg' | 'svn'] };
        const e = map(failure as never, ctx(credential));
        const label = `${tool} ${kind} ${credential?.type ?? 'none'}`;
        if (kind !== 'noOutput') t.equal(e.code, stderrs.code, `${label}: code`);
        readsAsSentence(t, e.message, label);
      }
    }
    const timeout = map({ outcome: 'timeout' } as never, ctx(undefined));
    readsAsSentence(t, timeout.message, `${tool} timeout`);
    const spawn = map({ outcome: 'spawn-failed', error: new Error('spawn git ENOENT') } as never, ctx(undefined));
    readsAsSentence(t, spawn.message, `${tool} spawn`);
  }
});

t.test('the line that says what failed is quoted, not git\'s closing advice', async (t) => {
  const refused = gitError({ outcome: 'exited', code: 128, signal: null, stdout: Buffer.alloc(0), stderr: kinds['unreachable']?.git ?? '' }, ctx(undefined));
  t.equal(refused.message, 'Could not connect to ssh://git@h:2222/x.git (ssh: connect to host 127.0.0.1 port 1: Connection refused); check the host name, port and network.');
  const other = gitError({ outcome: 'exited', code: 128, signal: null, stdout: Buffer.alloc(0), stderr: kinds['other']?.git ?? '' }, ctx(undefined));
  t.equal(other.message, 'The command git ls-remote failed for ssh://git@h:2222/x.git: fatal: the remote end hung up unexpectedly.');
});
