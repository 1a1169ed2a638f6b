// Generated git repositories for the benchmarks, built with one fast-import each (bulkCommits)
// and published bare: a realistic 60-tag library for the p2 benchmark and a 1,000-tag history.
import { join } from 'node:path';
import { createGitRepo, type BulkCommit } from '../../test/helpers/git-repo.js';

const json = (o: unknown): string => `${JSON.stringify(o, null, 4)}\n`;

/** A composer.json like a real library's, so p2 entries have a realistic size. */
function manifest(name: string, major: number, extra: Record<string, unknown> = {}): string {
  return json({
    name,
    description: 'Benchmark fixture: a library with the usual composer.json fields',
    type: 'library',
    license: 'MIT',
    keywords: ['bench', 'fixture', 'packyard'],
    authors: [{ name: 'Bench Author', email: 'author@example.test' }],
    require: { php: major >= 2 ? '>=8.1' : '>=7.4', 'psr/log': major >= 2 ? '^3.0' : '^1.1 || ^2.0', 'psr/container': '^1.1 || ^2.0' },
    'require-dev': { 'phpunit/phpunit': major >= 2 ? '^10.0' : '^9.5' },
    autoload: { 'psr-4': { 'Bench\\Lib\\': 'src/' } },
    'autoload-dev': { 'psr-4': { 'Bench\\Lib\\Tests\\': 'tests/' } },
    ...extra,
  });
}

export interface FixtureRepo {
  bare: string;
  name: string;
  tags: number;
  branches: string[];
}

/**
 * `tags` commits on main, each tagged; even commits change composer.json, odd ones a PHP file.
 * Branches besides main point into the history. Returns the bare repository's path.
 */
export async function generateRepo(
  workDir: string,
  opts: { name: string; tags: number; tagName: (i: number) => string; major: (i: number) => number; branches: Record<string, number> },
): Promise<FixtureRepo> {
  const repo = await createGitRepo(join(workDir, `${opts.name.replace('/', '-')}-src`), { defaultBranch: 'main' });
  const commits: BulkCommit[] = [];
  for (let i = 0; i < opts.tags; i++) {
    const files: BulkCommit['files'] =
      i % 2 === 0
        ? { 'composer.json': manifest(opts.name, opts.major(i), { extra: { 'bench-build': i } }) }
        : { 'src/Version.php': `<?php\nnamespace Bench\\Lib;\nfinal class Version { public const BUILD = ${i}; }\n` };
    if (i === 0) files['README.md'] = '# bench fixture\n';
    commits.push({ files, message: `release ${opts.tagName(i)}`, tag: opts.tagName(i) });
  }
  const ids = await repo.bulkCommits(commits);
  for (const [branch, at] of Object.entries(opts.branches)) await repo.branch(branch, ids[at]);
  const bare = await repo.publishBare(join(workDir, `${opts.name.replace('/', '-')}.git`), 'main');
  return { bare, name: opts.name, tags: opts.tags, branches: ['main', ...Object.keys(opts.branches)] };
}

/** 60 tags over two majors plus main, develop and 1.x: a typical private library. */
export function generateP2Fixture(workDir: string): Promise<FixtureRepo> {
  return generateRepo(workDir, {
    name: 'bench/library',
    tags: 60,
    tagName: (i) => `v${1 + Math.floor(i / 30)}.${Math.floor((i % 30) / 5)}.${i % 5}`,
    major: (i) => 1 + Math.floor(i / 30),
    branches: { develop: 57, '1.x': 29 },
  });
}

/** 1,000 tags (v1.0.0 … v1.9.99) plus main, develop and 1.x. */
export function generateImportFixture(workDir: string): Promise<FixtureRepo> {
  return generateRepo(workDir, {
    name: 'bench/big',
    tags: 1000,
    tagName: (i) => `v1.${Math.floor(i / 100)}.${i % 100}`,
    major: () => 1,
    branches: { develop: 990, '1.x': 500 },
  });
}
