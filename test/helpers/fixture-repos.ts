// Fixture repositories for version tests: every case composer's VCS rules distinguish (tag and
// branch naming, composer.json problems, renames, aliases), in one real git repository.
import { createGitRepo, type GitRepo } from './git-repo.js';

const json = (o: Record<string, unknown>) => `${JSON.stringify(o, null, 2)}\n`;

export interface FixtureRepo {
  repo: GitRepo;
  /** The package name composer should report (from the default branch). */
  name: string;
}

/**
 * acme/widget (renamed from acme/old-widget): annotated and lightweight tags, duplicate
 * normalized tags, release- prefix, pre-releases, a dev-suffixed tag, a tag whose composer.json
 * is invalid, one without composer.json, one whose "version" does not match, one with a broken
 * constraint, branch-alias on main, a numeric branch, a branch with '#', and junk refs.
 */
export async function buildVersionFixture(dir: string): Promise<FixtureRepo> {
  const repo = await createGitRepo(dir, { defaultBranch: 'main' });
  const base = { name: 'acme/old-widget', description: 'A widget', type: 'library', license: 'MIT', autoload: { 'psr-4': { 'Acme\\Widget\\': 'src/' } } };
  await repo.commit({ 'composer.json': json({ ...base, require: { php: '>=8.1' } }), 'src/Widget.php': '<?php\nnamespace Acme\\Widget;\nclass Widget {}\n' }, 'first');
  await repo.tag('v1.0.0', { annotated: true, message: 'release 1.0.0' });
  await repo.tag('1.0.0'); // same normalized version as v1.0.0: the first in ref order wins
  await repo.commit({ 'README.md': 'hello\n' }, 'docs');
  await repo.tag('release-1.0.1');
  await repo.tag('1.1.0-RC1', { annotated: true });
  await repo.commit({ 'composer.json': json({ ...base, require: { php: '>=8.1', 'psr/log': '^3.0' } }) }, 'log');
  await repo.tag('v1.1.0');
  await repo.tag('1.2.0-dev');
  await repo.tag('not-a-version');
  await repo.tag('v1.3.0-beta.2');
  await repo.commit({ 'composer.json': '{ "name": "acme/old-widget", "require": { "php": ">=8.1", } }\n' }, 'broken json');
  await repo.tag('v1.4.0');
  await repo.commit({ 'composer.json': null }, 'no composer.json');
  await repo.tag('v1.5.0');
  await repo.commit({ 'composer.json': json({ ...base, version: '1.6.1' }) }, 'version field');
  await repo.tag('v1.6.0');
  await repo.commit({ 'composer.json': json({ ...base, version: '1.7.0' }) }, 'matching version field');
  await repo.tag('v1.7.0');
  await repo.commit({ 'composer.json': json({ ...base, require: { 'psr/log': '>>1.0' } }) }, 'bad constraint');
  await repo.tag('v1.8.0');

  await repo.branch('2.x');
  await repo.checkout('2.x');
  await repo.commit({ 'composer.json': json({ ...base, require: { php: '>=8.2' } }) }, '2.x work');
  await repo.tag('v2.0.0');
  await repo.branch('feature#42');
  await repo.checkout('feature#42');
  await repo.commit({ 'src/Feature.php': '<?php\n' }, 'feature');
  await repo.checkout('main');
  await repo.branch('no-composer');
  await repo.checkout('no-composer');
  await repo.commit({ 'composer.json': null }, 'drop composer.json');
  await repo.checkout('main');
  await repo.commit(
    { 'composer.json': json({ ...base, name: 'acme/widget', require: { php: '>=8.2' }, extra: { 'branch-alias': { 'dev-main': '3.0.x-dev' } } }) },
    'rename and alias',
  );
  return { repo, name: 'acme/widget' };
}
