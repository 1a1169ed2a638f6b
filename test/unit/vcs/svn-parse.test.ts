// composer's svn layout rules and the parsers of `svn ls --xml` / `svn info --xml`, on plain strings.
import t from 'tap';
import {
  buildSvnIdentifier,
  encodeSvnPath,
  parseSvnIdentifier,
  parseSvnInfo,
  parseSvnLists,
  refsFromList,
  svnBaseUrl,
} from '../../../src/vcs/svn-parse.js';
import { DEFAULT_SVN_LAYOUT } from '../../../src/vcs/types.js';

t.test('identifiers as composer builds them: rtrim(dir) . package-path . /@REV', async (t) => {
  t.equal(buildSvnIdentifier('/trunk', '', 12), '/trunk/@12');
  t.equal(buildSvnIdentifier('/tags/1.0/', '', 3), '/tags/1.0/@3');
  t.equal(buildSvnIdentifier('/tags/1.0/', '/lib/pkg/', 3), '/tags/1.0/lib/pkg/@3');
  t.equal(buildSvnIdentifier('/', '', 7), '/@7', 'trunk-path false: the root');
  t.same(parseSvnIdentifier('/tags/1.0/lib/@3'), { path: '/tags/1.0/lib/', revision: 3 });
  t.same(parseSvnIdentifier('/@7'), { path: '/', revision: 7 });
  t.same(parseSvnIdentifier('/tags/a@b/@7'), { path: '/tags/a@b/', revision: 7 }, 'an @ inside a tag name');
  t.equal(encodeSvnPath('/tags/a@b/'), '/tags/a%40b/', 'encoded, so svn never reads it as a peg revision');
  for (const bad of ['', 'HEAD', '/trunk', '/trunk/@', '/trunk/@-1', '/x/../y/@1', '/./@1', '/a\u0000/@1']) {
    t.equal(parseSvnIdentifier(bad), null, JSON.stringify(bad));
  }
});

t.test('base URL: cut before the last /TRUNK segment, trailing slashes dropped', async (t) => {
  t.equal(svnBaseUrl('svn://h/repo/', DEFAULT_SVN_LAYOUT), 'svn://h/repo');
  t.equal(svnBaseUrl('svn://h/repo/trunk', DEFAULT_SVN_LAYOUT), 'svn://h/repo');
  t.equal(svnBaseUrl('svn://h/repo/trunk/', DEFAULT_SVN_LAYOUT), 'svn://h/repo');
  t.equal(svnBaseUrl('svn://h/trunk/repo/trunk', DEFAULT_SVN_LAYOUT), 'svn://h/trunk/repo');
  t.equal(svnBaseUrl('svn://h/trunkish/repo', DEFAULT_SVN_LAYOUT), 'svn://h/trunkish/repo', 'whole segments only');
  t.equal(svnBaseUrl('svn://h/repo/main', { ...DEFAULT_SVN_LAYOUT, trunkPath: 'main' }), 'svn://h/repo');
  t.equal(svnBaseUrl('svn://h/repo', { ...DEFAULT_SVN_LAYOUT, trunkPath: false }), 'svn://h/repo');
});

t.test('path segments are percent-encoded', async (t) => {
  t.equal(encodeSvnPath('/tags/1.0 beta/a#b%c/'), '/tags/1.0%20beta/a%23b%25c/');
});

const LS = `<?xml version="1.0" encoding="UTF-8"?>
<lists>
<list
   path="svn://h/repo/tags">
<entry
   kind="dir">
<name>1.0.0</name>
<commit
   revision="4">
<author>alice</author>
<date>2024-05-01T10:00:00.123456Z</date>
</commit>
</entry>
<entry
   kind="file">
<name>README</name>
<size>12</size>
<commit
   revision="5">
<date>2024-05-02T10:00:00.000000Z</date>
</commit>
</entry>
<entry
   kind="dir">
<name>x &amp; y</name>
<commit
   revision="6">
</commit>
</entry>
<entry
   kind="dir">
<name>a&lt;b</name>
<commit
   revision="7">
</commit>
</entry>
</list>
<list
   path="svn://h/repo/nope">
</list>
</lists>
`;

t.test('svn ls --xml: one list per target, entries with kind, size, revision, date', async (t) => {
  const lists = parseSvnLists(LS);
  t.equal(lists.length, 2);
  t.equal(lists[0]?.path, 'svn://h/repo/tags');
  t.same(lists[0]?.entries.map((e) => [e.kind, e.name, e.size, e.revision]), [
    ['dir', '1.0.0', null, 4],
    ['file', 'README', 12, 5],
    ['dir', 'x & y', null, 6],
    ['dir', 'a<b', null, 7],
  ]);
  t.equal(lists[0]?.entries[0]?.date?.toISOString(), '2024-05-01T10:00:00.123Z');
  t.same(lists[1]?.entries, []);
  // Files and names with whitespace never resolve for composer: left out, order kept.
  t.same([...refsFromList('tags', lists[0], '')].map(([n, r]) => [n, r.commit]), [
    ['1.0.0', '/tags/1.0.0/@4'],
    ['a<b', '/tags/a<b/@7'],
  ]);
  t.same([...refsFromList('tags', lists[0], 'pkg')][0]?.[1].commit, '/tags/1.0.0/pkg/@4');
  t.equal([...refsFromList('tags', lists[0], '')][0]?.[1].date?.toISOString(), '2024-05-01T10:00:00.123Z');
});

t.test('svn info --xml: operative revision, URL, last changed revision and date', async (t) => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<info>
<entry
   kind="dir"
   path="trunk"
   revision="9">
<url>svn://h/repo/trunk</url>
<commit
   revision="8">
<author>a</author>
<date>2024-05-03T00:00:00.000000Z</date>
</commit>
</entry>
</info>`;
  t.same(parseSvnInfo(xml), [
    { kind: 'dir', revision: 9, url: 'svn://h/repo/trunk', commitRevision: 8, commitDate: new Date('2024-05-03T00:00:00Z') },
  ]);
});
