// Generated Mercurial repositories for benchmarks: N commits and N tags written by one Python
// process through Mercurial's own API (memctx), so a 1,000-tag history takes about a second
// instead of a few thousand `hg commit`/`hg tag` processes.
import { execFile } from 'node:child_process';
import { access, mkdir, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface HgBenchRepoOptions {
  /** Package name in every composer.json. */
  name: string;
  /** Number of commits, each tagged. */
  tags: number;
  /** Tag name of commit i (0-based); default `v1.<i/100>.<i%100>`. */
  tagName?: (i: number) => string;
  /** Named branches besides `default`: name -> index of the commit they start from (one commit each). */
  branches?: Record<string, number>;
  /** Bookmarks: name -> index of the commit they point at. */
  bookmarks?: Record<string, number>;
}

export interface HgBenchRepo {
  dir: string;
  name: string;
  tags: number;
  branches: string[];
}

// Commit i changes composer.json (even i) or src/Lib.php (odd i); tags go into .hgtags in one
// final commit on default (tip), as if tagged long ago; branches fork from their commit.
const SCRIPT = String.raw`
import json, sys
from mercurial import context, hg, ui as uimod, node as nodemod
spec = json.loads(sys.stdin.read())
u = uimod.ui.load()
u.setconfig(b'ui', b'username', b'Bench <bench@example.test>')
repo = hg.repository(u, spec['dir'].encode(), create=True)
files = {}
def manifest(i):
    return json.dumps({'name': spec['name'], 'description': 'Benchmark fixture revision %d' % i, 'type': 'library',
        'license': 'MIT', 'require': {'php': '>=8.1', 'psr/log': '^3.0'},
        'autoload': {'psr-4': {'Bench\\Lib\\': 'src/'}}}, indent=4).encode() + b'\n'
def commit(parent, changed, message, date, branch=b'default'):
    def filectx(repo, mctx, path):
        return context.memfilectx(repo, mctx, path, changed[path])
    mctx = context.memctx(repo, (parent, None), message, list(changed), filectx, date=date, extra={b'branch': branch})
    return repo.commitctx(mctx)
with repo.wlock(), repo.lock(), repo.transaction(b'bench') as tr:
    nodes = []
    parent = None
    for i in range(spec['tags']):
        changed = {b'composer.json': manifest(i)} if i % 2 == 0 or i == 0 else {b'src/Lib.php': b'<?php // %d\n' % i}
        if i == 0:
            changed[b'src/Lib.php'] = b'<?php\n'
        parent = commit(parent, changed, b'commit %d' % i, (1700000000 + 60 * i, 0))
        nodes.append(parent)
    for bname, at in spec['branches'].items():
        commit(nodes[at], {b'BRANCH': bname.encode() + b'\n'}, b'branch ' + bname.encode(), (1700000000 + 60 * (at + 1) + 30, 0), bname.encode())
    lines = b''.join(b'%s %s\n' % (nodemod.hex(nodes[i]), t.encode()) for i, t in enumerate(spec['tagNames']))
    tip = commit(parent, {b'.hgtags': lines}, b'tags', (1700000000 + 60 * spec['tags'] + 3600, 0))
    marks = repo._bookmarks
    changes = [(b.encode(), nodes[at]) for b, at in spec['bookmarks'].items()]
    if changes:
        marks.applychanges(repo, tr, changes)
print(nodemod.hex(tip).decode())
`;

/** The Python interpreter Mercurial itself runs on (the `hg` script's #! line), which can import it. */
async function hgPython(): Promise<string> {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    const hg = join(dir, 'hg');
    try {
      await access(hg);
    } catch {
      continue;
    }
    const first = (await readFile(hg, 'utf8')).split('\n', 1)[0] ?? '';
    const match = /^#!\s*(\S+)/.exec(first);
    if (match?.[1] !== undefined && !match[1].endsWith('/sh') && !match[1].endsWith('/env')) return match[1];
  }
  return '/usr/bin/python3';
}

const defaultTagName = (i: number): string => `v1.${Math.floor(i / 100)}.${i % 100}`;

/** Creates `dir` as an hg repository with opts.tags tagged commits; returns it with its refs. */
export async function createHgBenchRepo(dir: string, opts: HgBenchRepoOptions): Promise<HgBenchRepo> {
  if (opts.tags < 1) throw new Error('tags must be at least 1');
  await mkdir(dir, { recursive: true });
  const tagName = opts.tagName ?? defaultTagName;
  const spec = {
    dir,
    name: opts.name,
    tags: opts.tags,
    tagNames: Array.from({ length: opts.tags }, (_, i) => tagName(i)),
    branches: opts.branches ?? {},
    bookmarks: opts.bookmarks ?? {},
  };
  const python = await hgPython();
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      python,
      ['-c', SCRIPT],
      {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, HGRCPATH: '/dev/null', HGPLAIN: '1', LANG: 'C.UTF-8' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, _stdout, stderr) => (err ? reject(new Error(`hg fixture generation failed: ${stderr || err.message}`)) : resolve()),
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(spec));
  });
  return { dir, name: opts.name, tags: opts.tags, branches: ['default', ...Object.keys(opts.branches ?? {})] };
}
