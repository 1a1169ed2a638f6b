// The fakes' real git repositories: bare repositories written with fast-import (no work tree)
// and read with cat-file/ls-tree, in an environment that ignores the machine's git config.

import { execFile } from 'node:child_process';
import { isolatedGitEnv } from '../../helpers/git-repo.js';

export interface DirEntry {
  name: string;
  path: string;
  sha: string;
  size: number;
  type: 'file' | 'dir';
}

export function git(cwd: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd, env: isolatedGitEnv(cwd), encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
    child.stdin?.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function revParse(gitDir: string, ref: string): Promise<string> {
  return git(gitDir, ['rev-parse', '--verify', '--quiet', ref]).then(
    (b) => b.toString().trim(),
    () => '',
  );
}

/**
 * Commits `files` (null deletes) on `branch`, which starts from `defaultBranch` when new; an
 * optional lightweight tag points at the commit. `when` is the commit time in ms. Returns the sha.
 */
export async function gitCommit(
  gitDir: string,
  branch: string,
  defaultBranch: string,
  files: Record<string, string | Buffer | null>,
  opts: { message: string; tag?: string | undefined; when: number },
): Promise<string> {
  const parent = await revParse(gitDir, `refs/heads/${branch}`);
  const base = parent === '' && branch !== defaultBranch ? await revParse(gitDir, `refs/heads/${defaultBranch}`) : parent;
  const when = `${Math.floor(opts.when / 1000)} +0000`;
  const chunks: Buffer[] = [];
  const data = (content: string | Buffer): void => {
    const bytes = Buffer.from(content);
    chunks.push(Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n'));
  };
  chunks.push(Buffer.from(`commit refs/heads/${branch}\nmark :1\n`));
  chunks.push(Buffer.from(`author Octo Cat <octocat@example.test> ${when}\ncommitter Octo Cat <octocat@example.test> ${when}\n`));
  data(opts.message);
  if (base !== '') chunks.push(Buffer.from(`from ${base}\n`));
  for (const [path, content] of Object.entries(files)) {
    if (content === null) chunks.push(Buffer.from(`D ${path}\n`));
    else {
      chunks.push(Buffer.from(`M 100644 inline ${path}\n`));
      data(content);
    }
  }
  if (opts.tag !== undefined) chunks.push(Buffer.from(`reset refs/tags/${opts.tag}\nfrom :1\n`));
  await git(gitDir, ['fast-import', '--quiet', '--force'], Buffer.concat(chunks));
  return (await git(gitDir, ['rev-parse', `refs/heads/${branch}`])).toString().trim();
}

export async function gitReadFile(gitDir: string, ref: string, path: string): Promise<{ content: Buffer; sha: string } | null> {
  const spec = `${ref}:${path.replace(/^\/+/, '')}`;
  try {
    const type = (await git(gitDir, ['cat-file', '-t', spec])).toString().trim();
    if (type !== 'blob') return null;
    const sha = (await git(gitDir, ['rev-parse', spec])).toString().trim();
    return { content: await git(gitDir, ['cat-file', 'blob', sha]), sha };
  } catch {
    return null;
  }
}

export async function gitReadDir(gitDir: string, ref: string, path: string): Promise<DirEntry[] | null> {
  const clean = path.replace(/^\/+|\/+$/g, '');
  try {
    const type = (await git(gitDir, ['cat-file', '-t', `${ref}:${clean}`])).toString().trim();
    if (type !== 'tree') return null;
    const out = (await git(gitDir, ['ls-tree', '-l', '-z', `${ref}:${clean}`])).toString();
    return out
      .split('\0')
      .filter((l) => l !== '')
      .map((line) => {
        const tab = line.indexOf('\t');
        const [, kind, sha, size] = line.slice(0, tab).split(/\s+/);
        const name = line.slice(tab + 1);
        const file = kind === 'blob';
        return { name, path: clean === '' ? name : `${clean}/${name}`, sha: sha ?? '', size: file ? Number(size) : 0, type: file ? 'file' : 'dir' };
      });
  } catch {
    return null;
  }
}

export async function gitRefs(gitDir: string, kind: 'heads' | 'tags'): Promise<Array<{ name: string; sha: string }>> {
  const out = (await git(gitDir, ['for-each-ref', '--sort=refname', '--format=%(refname:lstrip=2)%00%(*objectname)%00%(objectname)', `refs/${kind}/`])).toString();
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [name = '', peeled = '', sha = ''] = l.split('\0');
      return { name, sha: peeled !== '' ? peeled : sha };
    });
}
