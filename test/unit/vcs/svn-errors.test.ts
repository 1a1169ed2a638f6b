// Mapping svn's failures to stable codes, with messages that name URL and credential, never a secret.
import t from 'tap';
import { svnError } from '../../../src/vcs/svn-errors.js';
import type { RunResult } from '../../../src/vcs/process.js';

const ctx = {
  operation: 'info',
  url: 'https://svn.example/repo',
  credential: { type: 'http-basic' as const, username: 'ci', password: 'hunter2-secret' },
  credentialName: 'deploy',
  secrets: ['hunter2-secret'],
  timeoutMs: 5000,
};
const exited = (stderr: string): RunResult => ({ outcome: 'exited', code: 1, signal: null, stdout: Buffer.alloc(0), stderr });

t.test('codes by stderr', async (t) => {
  const cases: Array<[string, string]> = [
    ["svn: E170001: Authentication error from server: Password incorrect", 'VCS_AUTH_FAILED'],
    ["svn: E170013: Unable to connect to a repository at URL 'https://svn.example/repo'\nsvn: E215004: No more credentials or we tried too many times.\nAuthentication failed", 'VCS_AUTH_FAILED'],
    ["svn: E175013: Access to '/repo/!svn/me' forbidden", 'VCS_AUTH_FAILED'],
    ['Permission denied (publickey).\nsvn: E210002: Network connection closed unexpectedly', 'VCS_AUTH_FAILED'],
    ['Host key verification failed.\nsvn: E210002: Network connection closed unexpectedly', 'VCS_HOST_KEY'],
    ['@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.', 'VCS_HOST_KEY'],
    ["svn: E170013: Unable to connect\nsvn: E230001: Server SSL certificate verification failed: issuer is not trusted", 'VCS_TLS'],
    ["svn: E170000: URL 'https://svn.example/repo/trunk' doesn't exist", 'VCS_NOT_FOUND'],
    ["svn: warning: W160013: Path '/trunk' not found", 'VCS_NOT_FOUND'],
    ['svn: E170013: Unable to connect\nsvn: E210005: No repository found in \'svn://h/x\'', 'VCS_NOT_FOUND'],
    ['svn: E000013: Could not open the requested SVN filesystem', 'VCS_NOT_FOUND'],
    ['svn: E000002: Could not find the requested SVN filesystem', 'VCS_NOT_FOUND'],
    ["svn: E170013: Unable to connect to a repository at URL 'svn://h/x'\nsvn: E000111: Can't connect to host 'h': Connection refused", 'VCS_ERROR'],
    ['svn: E999999: something odd with https://ci:hunter2-secret@svn.example/x', 'VCS_ERROR'],
  ];
  for (const [stderr, code] of cases) {
    const e = svnError(exited(stderr), ctx);
    t.equal(e.code, code, stderr.split('\n')[0] ?? stderr);
    t.match(e.message, /https:\/\/svn\.example\/repo/);
    t.notMatch(e.message, /hunter2/);
  }
  t.match(svnError(exited(cases[0]![0]), ctx).message, /credential "deploy" http-basic \(user "ci"\)/);
  t.match(svnError(exited(cases[3]![0]), { ...ctx, credential: { type: 'ssh-key', privateKey: 'k' } }).message, /public key is authorized/);
  t.match(svnError(exited(cases[0]![0]), { ...ctx, credential: undefined }).message, /needs a credential/);
  t.match(svnError(exited(cases[5]![0]), ctx).message, /does not match the pinned one/);
  t.match(svnError(exited(cases[4]![0]), ctx).message, /host key is unknown/);
  t.match(svnError(exited(cases[12]![0]), ctx).message, /^Could not connect to https:\/\/svn\.example\/repo \(svn: E000111: Can't connect to host 'h': Connection refused\); check the host name, port and network\.$/);
});

t.test('timeout and spawn failure', async (t) => {
  const timeout = svnError({ outcome: 'timeout', stdout: Buffer.alloc(0), stderr: '' }, ctx);
  t.equal(timeout.code, 'VCS_TIMEOUT');
  t.match(timeout.message, /svn info for https:\/\/svn\.example\/repo did not finish within 5000 ms/);
  const spawnFailed = svnError({ outcome: 'spawn-failed', error: new Error('spawn svn ENOENT') }, ctx);
  t.equal(spawnFailed.code, 'VCS_ERROR');
  t.match(spawnFailed.message, /Could not run svn info/);
});
