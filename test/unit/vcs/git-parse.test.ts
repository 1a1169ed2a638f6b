// Parsing git's machine output: ref listings, cat-file batches with binary data, commit dates.
import t from 'tap';
import { parseCatFileBatch, parseCommitTimes, parseLsRemote } from '../../../src/vcs/git-parse.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const T = 'd'.repeat(40);

t.test('ls-remote: symref, branches, peeled tags, HEAD branches ignored', async (t) => {
  const out = [
    `ref: refs/heads/trunk\tHEAD`,
    `${A}\tHEAD`,
    `${A}\trefs/heads/trunk`,
    `${B}\trefs/heads/feature/x`,
    `${B}\trefs/heads/feature/HEAD`,
    `${A}\trefs/tags/v1.0.0`,
    `${T}\trefs/tags/v2.0.0`,
    `${C}\trefs/tags/v2.0.0^{}`,
    '',
  ].join('\n');
  t.same(parseLsRemote(out), {
    defaultBranch: 'trunk',
    refs: [
      // Byte order of names, as composer's GitDriver lists them (the order decides duplicate versions).
      { kind: 'branch', name: 'feature/x', commit: B },
      { kind: 'branch', name: 'trunk', commit: A },
      { kind: 'tag', name: 'v1.0.0', commit: A },
      { kind: 'tag', name: 'v2.0.0', commit: C },
    ],
  });
});

t.test('ls-remote: the peeled line wins whatever the order', async (t) => {
  const state = parseLsRemote(`${C}\trefs/tags/x^{}\n${T}\trefs/tags/x\n`);
  t.same(state.refs, [{ kind: 'tag', name: 'x', commit: C }]);
});

t.test('ls-remote without a symref falls back to the branch HEAD points at', async (t) => {
  t.equal(parseLsRemote(`${B}\tHEAD\n${B}\trefs/heads/dev\n${B}\trefs/heads/master\n${A}\trefs/heads/main\n`).defaultBranch, 'master');
  t.equal(parseLsRemote(`${B}\tHEAD\n${B}\trefs/heads/dev\n`).defaultBranch, 'dev');
  t.equal(parseLsRemote(`${A}\trefs/heads/main\n${B}\trefs/heads/zeta\n`).defaultBranch, 'main');
  t.equal(parseLsRemote('').defaultBranch, '', 'an empty repository has no default branch');
});

t.test('cat-file batch: blobs with binary bytes, missing objects, trees', async (t) => {
  const binary = Buffer.from([0x0a, 0x00, 0xff, 0x0a]);
  const out = Buffer.concat([
    Buffer.from(`${A} blob 4\n`),
    binary,
    Buffer.from('\n'),
    Buffer.from(`${A}:nope missing\n`),
    Buffer.from(`${B} tree 3\nxyz\n`),
    Buffer.from(`${C} blob 0\n\n`),
    Buffer.from(`abc:x ambiguous\n`),
  ]);
  const parsed = parseCatFileBatch(out, 5);
  t.same(parsed[0], binary);
  t.equal(parsed[1], null);
  t.equal(parsed[2], null, 'a tree is not a file');
  t.same(parsed[3], Buffer.alloc(0), 'an empty file is not a missing one');
  t.equal(parsed[4], null);
  t.throws(() => parseCatFileBatch(Buffer.from(`${A} blob 10\nshort\n`), 1), /shorter/);
  t.throws(() => parseCatFileBatch(Buffer.from(''), 1), /ended after 0 of 1/);
  t.throws(() => parseCatFileBatch(Buffer.from('garbage\n'), 1), /unexpected/);
});

t.test('commit times are author dates in seconds', async (t) => {
  const times = parseCommitTimes(`${A} 1700000000\n${B} 0\n\n`);
  t.equal(times.get(A)?.toISOString(), '2023-11-14T22:13:20.000Z');
  t.equal(times.get(B)?.getTime(), 0);
});
