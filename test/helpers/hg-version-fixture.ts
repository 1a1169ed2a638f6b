// An hg repository with every case composer's HgDriver + VcsRepository rules distinguish for
// versions: duplicate normalized tags, release- prefix, pre-releases, a dev-suffixed tag, invalid
// and missing composer.json, a mismatching "version", named branches (one without composer.json,
// one closed), bookmarks (one sharing a branch's name), and `default` at tip with a branch-alias.
import { makeHgRepo, type HgRepo } from './hg-servers.js';

const json = (o: Record<string, unknown>) => `${JSON.stringify(o, null, 2)}\n`;

export interface HgVersionFixture {
  repo: HgRepo;
  /** The package name composer reports (from composer.json at tip). */
  name: string;
}

export async function buildHgVersionFixture(dir: string): Promise<HgVersionFixture> {
  const repo = await makeHgRepo(dir);
  const base = { name: 'acme/old-widget', description: 'A widget', type: 'library', license: 'MIT', autoload: { 'psr-4': { 'Acme\\Widget\\': 'src/' } } };
  const first = await repo.commit(
    { 'composer.json': json({ ...base, require: { php: '>=8.1' } }), 'src/Widget.php': '<?php\nnamespace Acme\\Widget;\nclass Widget {}\n' },
    'first',
  );
  await repo.tag('v1.0.0', { rev: first });
  await repo.tag('1.0.0', { rev: first }); // same normalized version as v1.0.0
  await repo.commit({ 'README.md': 'hello\n' }, 'docs');
  await repo.tag('release-1.0.1');
  await repo.tag('1.1.0-RC1', { rev: '.^' });
  await repo.commit({ 'composer.json': json({ ...base, require: { php: '>=8.1', 'psr/log': '^3.0' } }) }, 'log');
  await repo.tag('v1.1.0');
  await repo.tag('1.2.0-dev', { rev: '.^' });
  await repo.tag('not-a-version', { rev: '.^' });
  await repo.tag('v1.3.0-beta.2', { rev: '.^' });
  await repo.commit({ 'composer.json': '{ "name": "acme/old-widget", "require": { "php": ">=8.1", } }\n' }, 'broken json');
  await repo.tag('v1.4.0');
  await repo.commit({ 'composer.json': null }, 'no composer.json');
  await repo.tag('v1.5.0');
  await repo.commit({ 'composer.json': json({ ...base, version: '1.6.1' }) }, 'version field');
  await repo.tag('v1.6.0');
  await repo.commit({ 'composer.json': json({ ...base, version: '1.7.0' }) }, 'matching version field');
  await repo.tag('v1.7.0');
  const beforeBranches = await repo.node('.');

  await repo.branch('2.x');
  await repo.commit({ 'composer.json': json({ ...base, require: { php: '>=8.2' } }) }, '2.x work');
  await repo.tag('v2.0.0', { rev: '.' });
  const twoX = await repo.node('.');
  await repo.branch('no-composer');
  await repo.commit({ 'composer.json': null }, 'drop composer.json');
  await repo.update(beforeBranches);
  await repo.branch('gone');
  await repo.commit({ 'gone.txt': 'x\n' }, 'soon closed');
  await repo.commit({}, 'close gone', { closeBranch: true });
  await repo.update(beforeBranches);
  await repo.bookmark('topic', twoX);
  await repo.bookmark('2.x', first); // a bookmark named like a branch: the branch wins
  await repo.bookmark('feature-bm', beforeBranches);
  await repo.commit(
    { 'composer.json': json({ ...base, name: 'acme/widget', require: { php: '>=8.2' }, extra: { 'branch-alias': { 'dev-default': '3.0.x-dev' } } }) },
    'rename and alias',
  );
  return { repo, name: 'acme/widget' };
}
