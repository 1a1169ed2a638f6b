// composer's HgDriver rules on plain listings (order, collisions, PHP array quirks) and the
// command-server framing, without running hg.
import t from 'tap';
import { encodeRunCommand, parseCommandServerOutput, parseHgDates, parseHgListing } from '../../../src/vcs/hg-parse.js';
import { hgError } from '../../../src/vcs/hg-errors.js';

const n = (c: string) => c.repeat(40);

t.test('tags minus tip in hg order; bookmarks then branches, branch wins in the bookmark\'s place', async (t) => {
  const state = parseHgListing({
    tags: `${n('a')} tip\n${n('a')} v2.0\n${n('b')} v1.0\n`,
    branches: `${n('a')} default\n${n('c')} feature\n`,
    bookmarks: `${n('d')} feature\n${n('e')} zz\n`,
  });
  t.same(state.refs, [
    { kind: 'tag', name: 'v2.0', commit: n('a') },
    { kind: 'tag', name: 'v1.0', commit: n('b') },
    { kind: 'branch', name: 'feature', commit: n('c') },
    { kind: 'branch', name: 'zz', commit: n('e') },
    { kind: 'branch', name: 'default', commit: n('a') },
  ]);
  t.equal(state.defaultBranch, 'default');
});

t.test('default branch: the branch at tip, else default, else the first', async (t) => {
  t.equal(parseHgListing({ tags: `${n('c')} tip\n`, branches: `${n('c')} stable\n${n('a')} default\n`, bookmarks: '' }).defaultBranch, 'stable');
  t.equal(parseHgListing({ tags: `${n('f')} tip\n`, branches: `${n('c')} stable\n${n('a')} default\n`, bookmarks: '' }).defaultBranch, 'default');
  t.equal(parseHgListing({ tags: `${n('f')} tip\n`, branches: `${n('c')} stable\n`, bookmarks: '' }).defaultBranch, 'stable');
  t.equal(parseHgListing({ tags: '', branches: '', bookmarks: '' }).defaultBranch, '');
});

t.test("PHP quirks: whitespace names dropped, '-' branches dropped, '*' stripped from bookmarks, integer names renumbered", async (t) => {
  const state = parseHgListing({
    tags: `${n('a')} with space\n${n('b')} -dash\n`,
    branches: `${n('a')} my branch\n${n('b')} -x\n${n('c')} 7\n${n('d')} b\n`,
    bookmarks: `${n('e')} *star\n${n('f')} 12\n`,
  });
  t.same(
    state.refs.map((r) => `${r.kind}:${r.name}:${r.commit[0]}`),
    ['tag:-dash:b', 'branch:star:e', 'branch:0:f', 'branch:1:c', 'branch:b:d'],
  );
});

t.test('command server framing', async (t) => {
  const frame = encodeRunCommand(['cat', '-r', 'x']);
  t.equal(frame.toString('latin1', 0, 11), 'runcommand\n');
  t.equal(frame.readUInt32BE(11), 'cat\0-r\0x'.length);
  const msg = (ch: string, data: Buffer) => {
    const h = Buffer.alloc(5);
    h.write(ch, 0, 'latin1');
    h.writeUInt32BE(data.length, 1);
    return Buffer.concat([h, data]);
  };
  const code = (c: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(c);
    return b;
  };
  const out = Buffer.concat([
    msg('o', Buffer.from('capabilities: getencoding runcommand\nencoding: UTF-8')),
    msg('o', Buffer.from('one ')),
    msg('o', Buffer.from([0, 1, 2])),
    msg('r', code(0)),
    msg('e', Buffer.from('abort: no such file\n')),
    msg('r', code(1)),
    msg('o', Buffer.from('trunc')).subarray(0, 7),
  ]);
  const answers = parseCommandServerOutput(out);
  t.equal(answers.length, 2);
  t.same(answers[0]?.stdout, Buffer.concat([Buffer.from('one '), Buffer.from([0, 1, 2])]));
  t.equal(answers[1]?.code, 1);
  t.equal(answers[1]?.stderr, 'abort: no such file\n');
});

t.test('hgdate lines', async (t) => {
  const times = parseHgDates(`${n('a')} 1700000000 -3600\n${n('b')} 5 0\njunk\n`);
  t.equal(times.get(n('a'))?.toISOString(), '2023-11-14T22:13:20.000Z');
  t.equal(times.size, 2);
});

t.test('error mapping keeps secrets out', async (t) => {
  const ctx = { operation: 'pull', url: 'https://h/r', credential: { type: 'http-basic' as const, username: 'u', password: 'hunter22' }, secrets: ['hunter22'], timeoutMs: 1000 };
  t.equal(hgError({ outcome: 'exited', code: 255, stderr: 'abort: authorization failed\n' }, ctx).code, 'VCS_AUTH_FAILED');
  t.equal(hgError({ outcome: 'exited', code: 255, stderr: 'abort: HTTP Error 404: Not Found\n' }, ctx).code, 'VCS_NOT_FOUND');
  t.equal(hgError({ outcome: 'exited', code: 255, stderr: 'abort: error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed\n' }, ctx).code, 'VCS_TLS');
  t.equal(hgError({ outcome: 'exited', code: 255, stderr: 'abort: error: Connection refused\n' }, ctx).code, 'VCS_ERROR');
  const other = hgError({ outcome: 'exited', code: 255, stderr: 'abort: weird https://u:hunter22@h/r hunter22\n(hint)\n' }, ctx);
  t.equal(other.code, 'VCS_ERROR');
  t.notMatch(other.message, /hunter22/);
  t.match(other.message, /^The command hg pull failed for https:\/\/h\/r: abort: weird/);
  t.equal(hgError({ outcome: 'timeout' }, ctx).code, 'VCS_TIMEOUT');
});
