// The git driver over smart HTTP with basic auth: credentials work, stay out of argv, the mirror
// and messages; wrong or missing credentials, missing repositories and hangs give clear errors.
import t, { type Test } from 'tap';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { AppError } from '../../../src/domain/errors.js';
import { createGitDriver } from '../../../src/vcs/git.js';
import { fileKey, type VcsCredential } from '../../../src/vcs/types.js';
import { startGitHttpServer } from '../../helpers/git-http-server.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { buildPackageFixture, zipEntryNames } from './fixtures/package-repo.js';
import { installProcessSpy, watchCommandLines } from './fixtures/process-spy.js';

// Shell- and printf-hostile on purpose: quotes, $, backslash, %, spaces.
const PASSWORD = `pa$$ w0rd"'\\%s$HOME-secret`;
const TOKEN = 'tok_0123456789abcdefSECRET';

const root = await makeTempDir('packyard-git-http-');
t.teardown(() => removeDir(root));
const fx = await buildPackageFixture(root, 'widget.git');
const spy = await installProcessSpy(await makeTempDir('packyard-spy-'));
t.teardown(() => spy.restore());
// The driver must not pass the parent's environment on: the spy reports this variable's value.
process.env['PACKYARD_TEST_LEAK'] = 'leaked';

const server = await startGitHttpServer({ root: join(root, 'served'), username: 'ci', password: PASSWORD });
t.teardown(() => server.close());
const tokenServer = await startGitHttpServer({ root: join(root, 'served'), username: 'x-access-token', password: TOKEN });
t.teardown(() => tokenServer.close());

let mirrors = 0;
function driverFor(url: string, credential?: VcsCredential, timeoutMs = 20_000) {
  const mirrorDir = join(root, 'mirrors', `m${++mirrors}.git`);
  return { mirrorDir, driver: createGitDriver({ url, mirrorDir, tmpDir: join(root, 'scratch'), timeoutMs, credential }) };
}

async function rejectsWith(t: Test, promise: Promise<unknown>, code: string, message: RegExp): Promise<AppError | undefined> {
  try {
    await promise;
    t.fail(`expected ${code}`);
    return undefined;
  } catch (e) {
    t.ok(e instanceof AppError, 'an AppError');
    t.equal((e as AppError).code, code);
    t.match((e as Error).message, message);
    return e as AppError;
  }
}

t.test('http-basic: list, mirror, read and archive without the password in argv or on disk', async (t) => {
  const { driver, mirrorDir } = driverFor(server.url('widget.git'), { type: 'http-basic', username: 'ci', password: PASSWORD });
  await spy.reset();
  server.requests.length = 0;
  const watcher = watchCommandLines('w0rd');

  const state = await driver.listRemote();
  t.equal(state.defaultBranch, 'develop');
  t.equal(state.refs.find((r) => r.name === 'v1.1.0')?.commit, fx.second, 'annotated tag peeled over http');
  // git asks anonymously first, then with the credential from the helper; ls-remote only reads refs.
  t.equal(server.requests[0]?.status, 401, 'first request is anonymous');
  t.ok(server.requests.slice(1).every((r) => r.user === 'ci' && r.status === 200), 'then authenticated');
  t.ok(
    server.requests.every((r) => /\/widget\.git\/(info\/refs\?service=git-upload-pack|git-upload-pack)$/.test(r.url)),
    'only ref discovery',
  );
  t.ok(server.requests.length <= 3, `ls-remote is one round of ref discovery (${server.requests.length} requests)`);

  await driver.syncMirror();
  const files = await driver.readFiles([{ commit: fx.second, path: 'composer.json' }]);
  t.match(files.get(fileKey(fx.second, 'composer.json'))?.toString(), /"description":"two"/);
  const zip = join(root, 'dists', 'http.zip');
  await driver.archive(fx.first, zip);
  t.ok(zipEntryNames(await readFile(zip)).includes('composer.json'));

  const { samples, hits } = await watcher.stop();
  t.ok(samples > 0, `sampled command lines ${samples} times`);
  t.same(hits, [], 'no process had the password on its command line');
  const calls = await spy.calls();
  t.ok(calls.length >= 4, `spied ${calls.length} git calls`);
  t.notOk(
    calls.some((c) => c.args.some((a) => a.includes('w0rd'))),
    'the password is in no git argument',
  );
  t.ok(calls.every((c) => c.leakMarker === 'unset'), "git never sees the parent's environment");
  const config = await readFile(join(mirrorDir, 'config'), 'utf8');
  t.notMatch(config, /w0rd|127\.0\.0\.1|url\s*=/, 'the mirror config holds neither URL nor secret');
});

t.test('token credential: user x-access-token by default, or a given user', async (t) => {
  const { driver } = driverFor(tokenServer.url('widget.git'), { type: 'token', token: TOKEN });
  const state = await driver.listRemote();
  t.equal(state.refs.length, 5);
  await driver.syncMirror();
  const custom = driverFor(server.url('widget.git'), { type: 'token', token: PASSWORD, username: 'ci' });
  t.equal((await custom.driver.listRemote()).defaultBranch, 'develop');
});

t.test('a wrong password is VCS_AUTH_FAILED naming the URL and credential, not the secret', async (t) => {
  const wrong = 'wrong-Pa55-SECRET';
  const { driver } = driverFor(server.url('widget.git'), { type: 'http-basic', username: 'ci', password: wrong });
  const error = await rejectsWith(
    t,
    driver.listRemote(),
    'VCS_AUTH_FAILED',
    /Authentication failed for http:\/\/127\.0\.0\.1:\d+\/widget\.git with credential http-basic \(user "ci"\); check the user name and password\/token/,
  );
  t.notMatch(JSON.stringify({ m: error?.message, d: error?.details }), /SECRET/);
  const tokenDriver = driverFor(tokenServer.url('widget.git'), { type: 'token', token: 'not-the-token' }).driver;
  await rejectsWith(t, tokenDriver.syncMirror(), 'VCS_AUTH_FAILED', /credential token \(user "x-access-token"\)/);
});

t.test('no credential for a protected repository is VCS_AUTH_FAILED', async (t) => {
  await rejectsWith(t, driverFor(server.url('widget.git')).driver.listRemote(), 'VCS_AUTH_FAILED', /needs a credential/);
});

t.test('a missing repository is VCS_NOT_FOUND', async (t) => {
  const { driver } = driverFor(server.url('missing.git'), { type: 'http-basic', username: 'ci', password: PASSWORD });
  await rejectsWith(t, driver.listRemote(), 'VCS_NOT_FOUND', /Repository http:\/\/127\.0\.0\.1:\d+\/missing\.git was not found/);
});

t.test('a hanging server is VCS_TIMEOUT and the whole process tree is stopped', async (t) => {
  const sockets: Socket[] = [];
  let closed = 0;
  const silent = createServer((socket) => {
    sockets.push(socket);
    socket.on('close', () => closed++);
    socket.on('error', () => undefined);
    // Read (and drop) the request so the end of the stream is noticed.
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        silent.close(() => resolve());
      }),
  );
  const port = (silent.address() as AddressInfo).port;
  const { driver } = driverFor(`http://127.0.0.1:${port}/slow.git`, undefined, 1000);
  const started = Date.now();
  await rejectsWith(t, driver.listRemote(), 'VCS_TIMEOUT', /ls-remote for http:\/\/127\.0\.0\.1:\d+\/slow\.git did not finish within 1000 ms/);
  t.ok(Date.now() - started < 10_000, 'gives up near the timeout');
  t.ok(sockets.length > 0, 'git did connect');
  // git-remote-http holds the connection; it closes only if the child of git was killed too.
  const deadline = Date.now() + 5000;
  while (closed < sockets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(closed, sockets.length, 'the connection was closed by killing the process group');
});
