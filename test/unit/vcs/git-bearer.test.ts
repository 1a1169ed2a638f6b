// A Bearer credential (a forge token the server takes only as `Authorization: Bearer`): git gets
// it as http.<origin>.extraHeader through GIT_CONFIG_COUNT/KEY/VALUE, scoped to the package URL's
// scheme, host and port, never in argv, with no credential helper and no redirects; hg and svn
// refuse it with a clear error.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { bearerHeaderEnv, describeCredential, prepareGitInvocation } from '../../../src/vcs/git-env.js';
import { prepareHgInvocation } from '../../../src/vcs/hg-env.js';
import { prepareSvnInvocation } from '../../../src/vcs/svn-env.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';

const home = await makeTempDir('packyard-git-bearer-');
t.teardown(() => removeDir(home));

const TOKEN = 'BBDC-bearer-SECRET-0123456789';
const scope = { protocol: 'https', hosts: ['git.example:8443'], origin: 'https://git.example:8443/' };

t.test('the token is an extraHeader scoped to the origin, in the environment only', async (t) => {
  const inv = await prepareGitInvocation({ transport: 'http', credential: { type: 'http-bearer', token: TOKEN }, home, timeoutMs: 5000, credentialScope: scope });
  t.same(
    { count: inv.env['GIT_CONFIG_COUNT'], key: inv.env['GIT_CONFIG_KEY_0'], value: inv.env['GIT_CONFIG_VALUE_0'] },
    { count: '1', key: 'http.https://git.example:8443/.extraHeader', value: `Authorization: Bearer ${TOKEN}` },
  );
  t.notOk(inv.configArgs.join(' ').includes(TOKEN), 'not in argv');
  t.notOk(inv.configArgs.join(' ').includes('extraHeader'), 'not even the key is in argv');
  t.same(inv.configArgs.filter((a) => a.startsWith('credential.helper')), ['credential.helper='], 'no helper answers: a refused token gets nothing else');
  t.notOk(Object.keys(inv.env).some((k) => k.startsWith('PACKYARD_GIT_')), 'nothing for the helper');
  t.ok(inv.configArgs.includes('http.followRedirects=false'), 'redirects off');
  t.notOk(inv.configArgs.includes('http.followRedirects=initial'));
  t.same(inv.secrets, [TOKEN], 'scrubbed from anything the driver says');
  t.equal(describeCredential({ type: 'http-bearer', token: TOKEN }, 'integration bbs'), '"integration bbs" bearer token', 'described without the secret');
});

t.test('git itself applies the header to the origin only (scheme, host and port)', async (t) => {
  const inv = await prepareGitInvocation({ transport: 'http', credential: { type: 'http-bearer', token: TOKEN }, home, timeoutMs: 5000, credentialScope: scope });
  const header = (url: string): string => {
    const r = spawnSync('git', [...inv.configArgs, 'config', '--get-urlmatch', 'http.extraHeader', url], { cwd: home, env: inv.env, encoding: 'utf8' });
    return r.stdout.trim();
  };
  t.equal(header('https://git.example:8443/scm/pay/api.git/info/refs'), `Authorization: Bearer ${TOKEN}`);
  t.equal(header('https://GIT.example:8443/other'), `Authorization: Bearer ${TOKEN}`, 'host names are case-insensitive');
  t.equal(header('https://git.example/scm/pay/api.git'), '', 'another port');
  t.equal(header('http://git.example:8443/scm/pay/api.git'), '', 'another scheme');
  t.equal(header('https://elsewhere.example:8443/scm/pay/api.git'), '', 'another host');
  t.equal(header('https://git.example.elsewhere.example:8443/'), '', 'a host that starts the same');
});

t.test('the default port is matched with or without being written', async (t) => {
  const env = bearerHeaderEnv(TOKEN, { protocol: 'https', hosts: ['git.example'], origin: 'https://git.example/' });
  const r = spawnSync('git', ['config', '--get-urlmatch', 'http.extraHeader', 'https://git.example:443/x'], {
    cwd: home,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
    encoding: 'utf8',
  });
  t.equal(r.stdout.trim(), `Authorization: Bearer ${TOKEN}`);
});

t.test('refused: a token that is not one line of visible ASCII, no origin, a non-http transport', async (t) => {
  for (const bad of ['', 'a b', 'tok\nX-Evil: 1', 'tok\r', 'tök']) {
    t.throws(() => bearerHeaderEnv(bad, scope), { code: 'CREDENTIAL_INVALID' }, JSON.stringify(bad));
  }
  t.throws(() => bearerHeaderEnv(TOKEN, undefined), { code: 'CREDENTIAL_INVALID' }, 'no scope');
  t.throws(() => bearerHeaderEnv(TOKEN, { protocol: 'https', hosts: [] }), { code: 'CREDENTIAL_INVALID' }, 'no origin');
  t.throws(() => bearerHeaderEnv(TOKEN, { protocol: 'https', hosts: [], origin: 'https://git.example/path/' }), { code: 'CREDENTIAL_INVALID' }, 'an origin with a path');
  t.throws(() => bearerHeaderEnv(TOKEN, { protocol: 'http', hosts: [], origin: 'https://git.example/' }), { code: 'CREDENTIAL_INVALID' }, 'another scheme than the URL');
  await t.rejects(
    prepareGitInvocation({ transport: 'ssh', credential: { type: 'http-bearer', token: TOKEN }, home, timeoutMs: 5000 }),
    { code: 'CREDENTIAL_INVALID', message: /http-bearer cannot be used with a ssh repository URL/ },
  );
  const local = await prepareGitInvocation({ transport: 'local', credential: { type: 'http-bearer', token: TOKEN }, home, timeoutMs: 5000 });
  t.notOk('GIT_CONFIG_COUNT' in local.env, 'local commands get nothing');
  t.ok(local.configArgs.includes('http.followRedirects=initial'));
});

t.test('hg and svn refuse a Bearer credential with a clear error', async (t) => {
  const credential = { type: 'http-bearer', token: TOKEN } as const;
  await t.rejects(prepareHgInvocation({ transport: 'http', authPrefix: 'https://git.example/', credential, home, timeoutMs: 5000 }), {
    code: 'CREDENTIAL_INVALID',
    message: /only as an HTTP Bearer token, which Mercurial \(hg\) cannot send/,
  });
  await t.rejects(prepareSvnInvocation({ transport: 'http', credential, home, timeoutMs: 5000 }), {
    code: 'CREDENTIAL_INVALID',
    message: /only as an HTTP Bearer token, which Subversion \(svn\) cannot send/,
  });
});
