// Builds an svn repository with N tags quickly for benchmarks and batch tests: one generated
// dump (format 2) loaded with a single `svnadmin load`, one revision per tag, fixed dates.

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface SvnBenchRepoOptions {
  /** Number of tags (v1.0.0 … v1.0.N-1), each in its own revision with its own composer.json. */
  tags: number;
  /** Package name in every composer.json. */
  name?: string;
  /** Date of revision 1; each later revision is one hour later. */
  start?: Date;
  /** Extra files per tag (bytes each), to make exports heavier. */
  extraFiles?: number;
}

export interface SvnBenchRepo {
  /** file:// URL of the repository root (standard layout). */
  url: string;
  dir: string;
  /** Revision of tag i is `firstTagRevision + i`. */
  firstTagRevision: number;
}

function props(entries: Record<string, string>): Buffer {
  let text = '';
  for (const [k, v] of Object.entries(entries)) {
    text += `K ${Buffer.byteLength(k)}\n${k}\nV ${Buffer.byteLength(v)}\n${v}\n`;
  }
  return Buffer.from(`${text}PROPS-END\n`);
}

function svnDate(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function revision(num: number, date: Date, log: string): Buffer {
  const p = props({ 'svn:author': 'bench', 'svn:date': svnDate(date), 'svn:log': log });
  return Buffer.concat([
    Buffer.from(`Revision-number: ${num}\nProp-content-length: ${p.length}\nContent-length: ${p.length}\n\n`),
    p,
    Buffer.from('\n'),
  ]);
}

function dirNode(path: string, copyFrom?: { rev: number; path: string }): Buffer {
  const copy = copyFrom === undefined ? '' : `Node-copyfrom-rev: ${copyFrom.rev}\nNode-copyfrom-path: ${copyFrom.path}\n`;
  const p = props({});
  return Buffer.concat([
    Buffer.from(`Node-path: ${path}\nNode-kind: dir\nNode-action: add\n${copy}Prop-content-length: ${p.length}\nContent-length: ${p.length}\n\n`),
    p,
    Buffer.from('\n'),
  ]);
}

function fileNode(path: string, action: 'add' | 'change', content: string): Buffer {
  const body = Buffer.from(content);
  const head = `Node-path: ${path}\nNode-kind: file\nNode-action: ${action}\nText-content-length: ${body.length}\nContent-length: ${body.length}\n\n`;
  return Buffer.concat([Buffer.from(head), body, Buffer.from('\n\n')]);
}

/** The dump text of the repository (exported for tests of the generator itself). */
export function svnBenchDump(opts: SvnBenchRepoOptions): Buffer {
  const name = opts.name ?? 'bench/svn-many';
  const start = (opts.start ?? new Date('2023-01-01T00:00:00Z')).getTime();
  const hour = 3_600_000;
  const parts: Buffer[] = [Buffer.from('SVN-fs-dump-format-version: 2\n\n')];
  parts.push(revision(0, new Date(start - hour), ''));
  parts.push(revision(1, new Date(start), 'layout and trunk'));
  parts.push(dirNode('trunk'), dirNode('branches'), dirNode('tags'));
  parts.push(fileNode('trunk/composer.json', 'add', `{"name":"${name}"}\n`));
  for (let f = 0; f < (opts.extraFiles ?? 0); f++) parts.push(fileNode(`trunk/file-${f}.txt`, 'add', `file ${f}\n`.repeat(20)));
  for (let i = 0; i < opts.tags; i++) {
    parts.push(revision(2 + i, new Date(start + (i + 1) * hour), `release 1.0.${i}`));
    parts.push(dirNode(`tags/v1.0.${i}`, { rev: 1, path: 'trunk' }));
    parts.push(fileNode(`tags/v1.0.${i}/composer.json`, 'change', `{"name":"${name}","description":"release ${i}"}\n`));
  }
  return Buffer.concat(parts);
}

/** Creates the repository at `dir` (must not exist) and loads N tags into it. */
export async function createSvnBenchRepo(dir: string, opts: SvnBenchRepoOptions): Promise<SvnBenchRepo> {
  await execFileP('svnadmin', ['create', dir]);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('svnadmin', ['load', '--quiet', '--bypass-prop-validation', '--no-flush-to-disk', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`svnadmin load failed: ${stderr.trim()}`))));
    child.stdin?.on('error', () => undefined);
    child.stdin.end(svnBenchDump(opts));
  });
  return { url: `file://${dir}`, dir, firstTagRevision: 2 };
}
