// End to end, as a team on Azure DevOps (or a script) would use Packyard: a private git
// repository over smart HTTP on loopback reached with a PAT stored as an http-basic credential,
// the package added by URL with the real CLI (its generic hook URL printed, and shown again by
// `package hook-url show`), then a commit and a tag pushed and the Azure DevOps "Code pushed"
// service hook (Services example, with the optional basic auth) posted to the hook URL: the new
// tag becomes visible to Debian's composer. A Packagist-style body does the same for the next tag;
// `package hook-url replace` makes a new URL and the old one gets 404.
import t from 'tap';
import { join } from 'node:path';
import { startPackyard } from '../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../helpers/git-repo.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { composerProject, parseShowVersions, writeAuth } from '../helpers/composer.js';
import { waitFor } from '../helpers/wait.js';
import { azureServicesPush, packagistBody } from '../helpers/generic-hook-payloads.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;
const PAT = 'azure-devops-pat-0123456789';

t.test('a push announced on the generic hook URL makes the new tag visible to composer', async (t) => {
  const work = await makeTempDir('pky-e2e-hook-');
  t.teardown(() => removeDir(work));
  const lib = await createGitRepo(join(work, 'src-lib'), { defaultBranch: 'main' });
  await lib.commit({ 'composer.json': json({ name: 'acme/lib', type: 'library' }), 'lib.txt': '1.0\n' }, 'lib 1.0');
  await lib.tag('v1.0.0');
  await lib.publishBare(join(work, 'http', 'lib.git'), 'main');
  const http = await startGitHttpServer({ root: join(work, 'http'), username: 'azure', password: PAT });
  t.teardown(() => http.close());

  const pky = await startPackyard(t);
  const ok = async (args: string[], stdin?: string) => {
    const r = await pky.cli(args, stdin !== undefined ? { stdin } : {});
    t.equal(r.code, 0, `packyard ${args.join(' ')}: ${r.stderr.trim()}`);
    return r;
  };
  await ok(['org', 'create', 'acme']);
  await ok(['credential', 'add', '--org', 'acme', 'azure-pat', '--type', 'http-basic', '--username', 'azure', '--password-stdin'], `${PAT}\n`);
  const added = await ok(['package', 'add', '--org', 'acme', http.url('lib.git'), '--credential', 'azure-pat']);
  const hookUrl = /generic hook URL: (\S+)/.exec(added.stderr)?.[1] ?? '';
  t.match(hookUrl, new RegExp(`^${pky.url}/hooks/generic/[A-Za-z0-9_-]{32}$`));
  t.equal((await ok(['package', 'hook-url', 'show', '--org', 'acme', 'acme/lib'])).stdout.trim(), hookUrl, 'shown again later');

  const token = (await ok(['token', 'create', '--org', 'acme', '--name', 'ci'])).stdout.trim();
  const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
  t.teardown(() => project.cleanup());
  writeAuth(project, new URL(pky.url).host, token);
  const versions = async () => {
    const r = await project.run(['show', '--all', 'acme/lib']);
    t.equal(r.code, 0, r.stderr);
    return parseShowVersions(r.stdout);
  };
  const published = (tag: string) => waitFor(`${tag} in the metadata`, async () => {
    const res = await fetch(`${pky.url}/acme/p2/acme/lib.json`, { headers: { authorization: `Bearer ${token}` } });
    return res.ok && (await res.text()).includes(`"${tag}"`) ? true : null;
  }, 60_000, 50);
  t.same(await versions(), ['v1.0.0', 'dev-main']);

  await t.test('Azure DevOps "Code pushed" after a commit and a tag', async (t) => {
    const sha = await lib.commit({ 'lib.txt': '1.1\n' }, 'lib 1.1');
    await lib.tag('v1.1.0');
    await lib.publishBare(join(work, 'http', 'lib.git'), 'main');
    const body = azureServicesPush([{ name: 'refs/heads/main', newObjectId: sha }, { name: 'refs/tags/v1.1.0', newObjectId: sha }]);
    const res = await fetch(hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Basic ${Buffer.from('packyard:any-password').toString('base64')}` },
      body: JSON.stringify(body),
    });
    t.equal(res.status, 202);
    t.match(await res.json(), { kind: 'azure-devops', refs: ['refs/heads/main', 'refs/tags/v1.1.0'] });
    await published('v1.1.0');
    t.same(await versions(), ['v1.1.0', 'v1.0.0', 'dev-main']);
  });

  await t.test('a Packagist-style body for the next tag', async (t) => {
    await lib.commit({ 'lib.txt': '1.2\n' }, 'lib 1.2');
    await lib.tag('v1.2.0');
    await lib.publishBare(join(work, 'http', 'lib.git'), 'main');
    const res = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(packagistBody(http.url('lib.git'))) });
    t.equal(res.status, 202);
    await published('v1.2.0');
    t.same(await versions(), ['v1.2.0', 'v1.1.0', 'v1.0.0', 'dev-main']);
    const r = await project.run(['require', 'acme/lib:^1.2']);
    t.equal(r.code, 0, r.stderr);
  });

  await t.test('package hook-url replace: a new URL, the old one gets 404', async (t) => {
    const fresh = (await ok(['package', 'hook-url', 'replace', '--org', 'acme', 'acme/lib'])).stdout.trim();
    t.match(fresh, `${pky.url}/hooks/generic/`);
    t.not(fresh, hookUrl);
    t.equal((await fetch(hookUrl, { method: 'POST' })).status, 404);
    t.equal((await fetch(fresh, { method: 'POST' })).status, 202);
    t.equal((await ok(['package', 'hook-url', 'show', '--org', 'acme', 'acme/lib'])).stdout.trim(), fresh);
  });
});
