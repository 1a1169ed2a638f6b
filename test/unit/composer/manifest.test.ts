// composer.json validation before publishing: every rejection reason, what is ignored or
// normalized as composer does, and the order and content of built version entries.

import t, { type Test } from 'tap';
import {
  buildVersionEntry, MANIFEST_FIELDS, normalizeTime, parseManifest, PUBLISHED_FIELDS, publishedFields,
  type Manifest, type VersionEntryInput,
} from '../../../src/composer/manifest.js';
import type { JsonObject } from '../../../src/composer/json.js';

const json = (value: unknown): string => JSON.stringify(value);
/** A composer.json with a name plus the given fields. */
const manifestJson = (fields: Record<string, unknown>): string => json({ name: 'acme/foo', ...fields });

function mustParse(t: Test, input: string | Buffer): Manifest {
  const result = parseManifest(input);
  if (!result.ok) {
    t.fail(`unexpected rejection: ${result.reason}`);
    throw new Error(result.reason);
  }
  return result.manifest;
}

// [what, composer.json, expected reason]
const REJECTED: [string, string | Buffer, string | RegExp][] = [
  // reading the file
  ['empty file', '', 'composer.json is empty'],
  ['whitespace only', '  \n', 'composer.json is not valid JSON: Unexpected end of input at line 2, column 1'],
  ['trailing comma', '{\n  "name": "acme/foo",\n  "require": {"php": ">=8.1"},\n  }',
    'composer.json is not valid JSON: Unexpected token } at line 4, column 3'],
  ['missing comma', '{\n"name": "acme/foo"\n"type": "library"}', 'composer.json is not valid JSON: Unexpected token " at line 3, column 1'],
  ['single quotes', "{'name': 'acme/foo'}", "composer.json is not valid JSON: Unexpected token ' at line 1, column 2"],
  ['comment', '{\n  // note\n  "name": "acme/foo"\n}', 'composer.json is not valid JSON: Unexpected token / at line 2, column 3'],
  ['unterminated string', '{"name": "acme/foo', 'composer.json is not valid JSON: Unterminated string at line 1, column 10'],
  ['raw tab in string', '{"name": "acme\t/foo"}', 'composer.json is not valid JSON: Unescaped character U+0009 in string at line 1, column 15'],
  ['bad escape', '{"name": "acme\\x"}', 'composer.json is not valid JSON: Bad escape \\x in string at line 1, column 15'],
  ['lone surrogate escape', '{"description": "\\ud83d"}',
    'composer.json is not valid JSON: Unpaired UTF-16 surrogate in \\u escape at line 1, column 18'],
  ['garbage after the object', '{"name": "acme/foo"} x', 'composer.json is not valid JSON: Unexpected token x at line 1, column 22'],
  ['NaN', '{"extra": {"n": NaN}}', 'composer.json is not valid JSON: Unexpected token N at line 1, column 17'],
  ['leading zero', '{"extra": {"n": 01}}', 'composer.json is not valid JSON: Unexpected token 1 at line 1, column 18'],
  ['number out of range', '{"extra": {"n": 1e400}}', 'composer.json is not valid JSON: Number 1e400 is out of range at line 1, column 17'],
  ['CRLF line endings count once', '{\r\n"name": "acme/foo",\r\n}', 'composer.json is not valid JSON: Unexpected token } at line 3, column 1'],
  ['byte order mark', Buffer.from('\ufeff{"name": "acme/foo"}', 'utf8'),
    /^composer\.json is not valid JSON: Unexpected byte order mark .* at line 1, column 1$/],
  ['invalid UTF-8', Buffer.concat([Buffer.from('{\n  "description": "caf'), Buffer.from([0xe9]), Buffer.from('"\n}')]),
    'composer.json is not valid UTF-8: bad byte 0xe9 at line 2, column 22'],
  ['UTF-8 encoded surrogate', Buffer.concat([Buffer.from('{"description": "'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    'composer.json is not valid UTF-8: bad byte 0xed at line 1, column 18'],
  ['nested 512 deep', `{"extra": ${'['.repeat(511)}${']'.repeat(511)}}`,
    'composer.json is not valid JSON: Nesting deeper than 511 levels at line 1, column 521'],
  ['a list', '["acme/foo"]', 'composer.json must contain a JSON object, not a list'],
  ['null', 'null', 'composer.json must contain a JSON object, not null'],
  ['a string', '"acme/foo"', 'composer.json must contain a JSON object, not a string'],
  ['an empty object', '{}', 'composer.json is an empty object'],
  // fields ArrayLoader throws on
  ['name not a string', json({ name: ['acme/foo'] }), '"name" must be a string, not a list'],
  ['version not a string', manifestJson({ version: 1.2 }), '"version" must be a string, not a number'],
  ['type not a string', manifestJson({ type: 1 }), '"type" must be a string, not a number'],
  ['target-dir not a string', manifestJson({ 'target-dir': true }), '"target-dir" must be a string, not a boolean'],
  ['autoload not an object', manifestJson({ autoload: 'src/' }), '"autoload" must be an object'],
  ['php-ext not an object', manifestJson({ 'php-ext': 'intl' }), '"php-ext" must be an object'],
  ['include-path not a list', manifestJson({ 'include-path': 'lib/' }), '"include-path" must be a list of paths'],
  ['require a string', manifestJson({ require: 'php >=8.1' }),
    '"require" must be an object mapping package names to version constraints'],
  ['require a list', manifestJson({ require: ['acme/bar'] }),
    '"require" must be an object mapping package names to version constraints, not a list'],
  ['require-dev a number', manifestJson({ 'require-dev': 1 }),
    '"require-dev" must be an object mapping package names to version constraints'],
  ['conflict an integer key', manifestJson({ conflict: { 123: '*' } }), 'conflict.123: "123" is not a package name'],
  ['provide a constraint that is not a string', manifestJson({ provide: { 'acme/impl': 1 } }),
    'provide.acme/impl: the constraint must be a string, not a number'],
  ['replace a null constraint', manifestJson({ replace: { 'acme/old': null } }),
    'replace.acme/old: the constraint must be a string, not null'],
  ['require an invalid constraint', manifestJson({ require: { php: '>=8.1', 'acme/foo': '~>1.0' } }),
    /^require\.acme\/foo: invalid constraint "~>1\.0" \(.+\)$/],
  ['require-dev an invalid constraint', manifestJson({ 'require-dev': { 'acme/bar': 'latest' } }),
    /^require-dev\.acme\/bar: invalid constraint "latest" \(.+\)$/],
  ['suggest a reason that is not a string', manifestJson({ suggest: { 'ext-intl': true } }),
    'suggest.ext-intl: the reason must be a string, not a boolean'],
  ['keywords with a nested list', manifestJson({ keywords: ['a', ['b']] }), 'keywords.1 must be a string, not a list'],
  ['bin not a string', manifestJson({ bin: ['bin/tool', 3] }), 'bin.1 must be a string, not a number'],
  // composer 2.10's install-time checks
  ['bin escaping the package', manifestJson({ bin: '../../usr/bin/php' }), 'bin "../../usr/bin/php" must not contain ".." path segments'],
  ['bin escaping in the middle', manifestJson({ bin: ['bin/a', 'bin/../../x'] }), 'bin "bin/../../x" must not contain ".." path segments'],
  ['bin escaping with backslashes', manifestJson({ bin: 'bin\\..\\..\\x' }), 'bin "bin\\..\\..\\x" must not contain ".." path segments'],
  ['bin escaping after the leading slash', manifestJson({ bin: '/../x' }), 'bin "/../x" must not contain ".." path segments'],
];

t.test('rejections name what is wrong and where', async (t) => {
  for (const [what, input, reason] of REJECTED) {
    const result = parseManifest(input);
    if (result.ok) {
      t.fail(`${what}: accepted`);
      continue;
    }
    if (typeof reason === 'string') t.equal(result.reason, reason, what);
    else t.match(result.reason, reason, what);
  }
});

t.test('a name or version of null counts as absent', async (t) => {
  const m = mustParse(t, json({ name: null, version: null, description: 'x' }));
  t.equal(m.name, undefined);
  t.equal(m.version, undefined);
});

// [what, composer.json fields, published fields, warnings]
const CLEANED: [string, Record<string, unknown>, JsonObject, string[]][] = [
  ['description not a string', { description: ['x'] }, {}, ['"description" is a list, not a string, ignored']],
  ['homepage not a string', { homepage: 1 }, {}, ['"homepage" is a number, not a string, ignored']],
  ['authors not a list', { authors: 'Jane' }, {}, ['"authors" is a string, not an object or list, ignored']],
  ['support not an object', { support: 'https://x.test' }, {}, ['"support" is a string, not an object or list, ignored']],
  ['funding not a list', { funding: 'https://x.test' }, {}, ['"funding" is a string, not an object or list, ignored']],
  ['extra not an object', { extra: 'x' }, {}, ['"extra" is a string, not an object or list, ignored']],
  ['keywords not a list', { keywords: 'a, b' }, {}, ['"keywords" is a string, not a list, ignored']],
  ['suggest not an object', { suggest: 'ext-intl' }, {}, ['"suggest" is a string, not an object, ignored']],
  ['time unreadable', { time: 'last tuesday' }, {}, ['"time" "last tuesday" is not a date we can read, ignored']],
  ['time a number', { time: 1700000000 }, {}, ['"time" is a number, not a date string, ignored']],
  ['an "__unset" description', { description: '__unset' }, {},
    ['"description" is "__unset", a value the minified metadata format cannot carry, ignored']],
  ['an "__unset" type', { type: '__unset' }, {}, ['"type" is "__unset", a value the minified metadata format cannot carry, ignored']],
  ['source and dist are ours', { source: { type: 'git', url: 'x', reference: 'y' }, dist: 'nope' }, {},
    ['"source" ignored: Packyard publishes its own source', '"dist" ignored: Packyard publishes its own dist']],
  ['empty values are dropped quietly', {
    description: '', homepage: '0', keywords: [], license: '', authors: [], support: {}, funding: [], time: '', autoload: {},
    extra: {}, 'target-dir': '', 'include-path': [], bin: [], require: {}, 'require-dev': [], suggest: {}, conflict: {},
    provide: {}, replace: {}, abandoned: false, 'php-ext': {},
  }, {}, []],
  ['nulls are dropped quietly', Object.fromEntries(MANIFEST_FIELDS.map((f) => [f, null])), {}, []],
  ['keywords become strings', { keywords: ['a', 1, 1.5, true, false, null] }, { keywords: ['a', '1', '1.5', '1', '', ''] }, []],
  ['keywords as an object', { keywords: { x: 'a', y: 'b' } }, { keywords: ['a', 'b'] }, []],
  ['license as a string', { license: 'MIT' }, { license: ['MIT'] }, []],
  ['license as a list', { license: ['MIT', 'GPL-2.0-only'] }, { license: ['MIT', 'GPL-2.0-only'] }, []],
  ['type lowercased (ASCII only)', { type: 'Composer-Plugin' }, { type: 'composer-plugin' }, []],
  ['bin as a string, leading slashes stripped', { bin: '/bin/tool' }, { bin: ['bin/tool'] }, []],
  ['bin dots that are not segments', { bin: ['bin/..tool', 'bin/tool..', 'bin/.hidden'] }, { bin: ['bin/..tool', 'bin/tool..', 'bin/.hidden'] }, []],
  ['time normalized to UTC', { time: '2024-02-29 23:30:00 -01:00' }, { time: '2024-03-01T00:30:00+00:00' }, []],
  ['abandoned true', { abandoned: true }, { abandoned: true }, []],
  ['abandoned with a replacement', { abandoned: 'acme/bar' }, { abandoned: 'acme/bar' }, []],
  ['abandoned truthy', { abandoned: 1 }, { abandoned: true }, []],
  ['self.version passes until the version is known', { replace: { 'acme/foo-core': 'self.version' } },
    { replace: { 'acme/foo-core': 'self.version' } }, []],
  ['links with a __proto__ key stay plain keys', { require: JSON.parse('{"__proto__": "^1.0"}') as JsonObject },
    { require: JSON.parse('{"__proto__": "^1.0"}') as JsonObject }, []],
  ['unpublished keys are left out quietly', {
    scripts: { test: 'phpunit' }, 'autoload-dev': 'x', config: 1, repositories: 'x', 'minimum-stability': [], archive: 1,
    'default-branch': true, 'notification-url': 5, 'prefer-stable': 'x',
  }, {}, []],
];

t.test('fields composer ignores are dropped with a warning, others normalized', async (t) => {
  for (const [what, fields, published, warnings] of CLEANED) {
    const m = mustParse(t, manifestJson(fields));
    t.equal(json(m.fields), json(published), what);
    t.same(m.warnings, warnings, `${what}: warnings`);
  }
});

t.test('time forms we read', async (t) => {
  const cases: [string, string | null][] = [
    ['2024-01-02', '2024-01-02T00:00:00+00:00'],
    ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05+00:00'],
    ['2024-01-02T03:04:05.123456+02:00', '2024-01-02T01:04:05+00:00'],
    ['2024-01-02 03:04', '2024-01-02T03:04:00+00:00'],
    ['2024-01-02 03:04:05 UTC', '2024-01-02T03:04:05+00:00'],
    ['2024-01-02T03:04:05+0530', '2024-01-01T21:34:05+00:00'],
    ['1700000000', '2023-11-14T22:13:20+00:00'],
    ['0099-05-06', '0099-05-06T00:00:00+00:00'],
    ['2023-02-29', null],
    ['2024-13-01', null],
    ['2024-01-02T24:00:00', null],
    ['Tue, 02 Jan 2024 03:04:05 +0000', null],
    ['now', null],
  ];
  for (const [input, expected] of cases) t.equal(normalizeTime(input), expected, input);
});

t.test('fields come out in packagist order whatever the composer.json order', async (t) => {
  const m = mustParse(t, json({
    replace: { 'acme/old': '*' }, require: { php: '>=8.1' }, extra: { 'branch-alias': { 'dev-main': '2.x-dev' } },
    autoload: { 'psr-4': { 'Acme\\': 'src/' } }, type: 'library', description: 'Foo', name: 'acme/foo', keywords: ['foo'],
    'require-dev': { 'phpunit/phpunit': '^10' }, license: 'MIT', suggest: { 'ext-intl': 'faster' }, bin: 'bin/foo',
    time: '2024-01-02T03:04:05Z', support: { issues: 'https://x.test/i' }, authors: [{ name: 'Jane' }], homepage: 'https://x.test',
  }));
  t.same(Object.keys(m.fields), [
    'description', 'keywords', 'homepage', 'license', 'authors', 'type', 'support', 'time', 'autoload', 'extra', 'bin',
    'require', 'require-dev', 'suggest', 'replace',
  ]);
  t.equal(m.name, 'acme/foo');
});

t.test('nested values pass through untouched, {} stays {}', async (t) => {
  const extra = { 'branch-alias': { 'dev-main': '1.x-dev' }, empty: {}, list: [], deep: { b: 1, a: [{}, null, 'x'] } };
  const autoload = { 'psr-4': { 'Acme\\': ['src/', 'lib/'] }, classmap: [], 'exclude-from-classmap': ['/tests/'] };
  const m = mustParse(t, manifestJson({ extra, autoload }));
  t.equal(json(m.fields['extra']), json(extra));
  t.equal(json(m.fields['autoload']), json(autoload));
});

t.test('publishedFields gives a copy and runs the version checks', async (t) => {
  const m = mustParse(t, manifestJson({ description: 'x', replace: { 'acme/foo-core': 'self.version' } }));
  const copy = publishedFields(m);
  t.ok(copy.ok);
  if (copy.ok) {
    copy.data['time'] = 'changed';
    t.equal(m.fields['time'], undefined, 'the manifest is not changed');
  }
  t.same(publishedFields(m, '1.2.0'), { ok: true, data: m.fields });
});

// --- building entries ----------------------------------------------------------------------

const SHA = '0123456789abcdef0123456789abcdef01234567';
const BASE: VersionEntryInput = {
  name: 'acme/foo',
  version: 'v1.2.0',
  versionNormalized: '1.2.0.0',
  source: { type: 'git', url: 'https://git.test/acme/foo.git', reference: SHA },
  dist: { type: 'zip', url: `https://packyard.test/acme/dists/acme/foo/${SHA}.zip`, reference: SHA, shasum: '' },
  time: new Date('2024-05-06T07:08:09.500Z'),
};

function build(t: Test, fields: Record<string, unknown>, input: Partial<VersionEntryInput> = {}): JsonObject {
  const m = mustParse(t, manifestJson(fields));
  const result = buildVersionEntry(m.fields, { ...BASE, ...input });
  if (!result.ok) {
    t.fail(`unexpected rejection: ${result.reason}`);
    return {};
  }
  return result.entry;
}

t.test('a full entry, in packagist.org order', async (t) => {
  const entry = build(t, {
    abandoned: 'acme/bar', replace: { 'acme/foo-core': 'self.version' }, provide: { 'psr/log-implementation': '1.0' },
    conflict: { 'acme/bad': '<1.0' }, suggest: { 'ext-intl': 'i18n' }, 'require-dev': { 'phpunit/phpunit': '^10' },
    require: { php: '>=8.1' }, bin: ['bin/foo'], 'include-path': ['lib/'], 'target-dir': 'Acme/Foo',
    extra: { x: 1 }, autoload: { 'psr-4': { 'Acme\\': 'src/' } }, time: '2020-01-01', funding: [{ type: 'github', url: 'https://x.test' }],
    'php-ext': { 'extension-name': 'foo' }, support: { issues: 'https://x.test/i' }, type: 'Library', authors: [{ name: 'Jane' }],
    license: 'MIT', homepage: 'https://x.test', keywords: ['foo'], description: 'Foo', version: '1.2.0',
  }, { defaultBranch: true });
  t.same(Object.keys(entry), [...PUBLISHED_FIELDS], 'every field, in order');
  t.equal(entry['name'], 'acme/foo');
  t.equal(entry['version'], 'v1.2.0', 'the version comes from the caller, not composer.json');
  t.equal(entry['type'], 'library');
  t.equal(entry['time'], '2020-01-01T00:00:00+00:00', 'composer.json time wins over the commit date');
  t.same(entry['source'], BASE.source);
  t.same(entry['dist'], BASE.dist);
  t.equal(entry['default-branch'], true);
  t.equal(entry['abandoned'], 'acme/bar');
});

t.test('a minimal entry: type defaults to library, time from the commit', async (t) => {
  const entry = build(t, {});
  t.same(entry, {
    name: 'acme/foo', version: 'v1.2.0', version_normalized: '1.2.0.0', source: BASE.source, dist: BASE.dist,
    type: 'library', time: '2024-05-06T07:08:09+00:00',
  });
  t.same(Object.keys(entry), ['name', 'version', 'version_normalized', 'source', 'dist', 'type', 'time']);
  t.equal(build(t, {}, { time: '2024-05-06T09:08:09+02:00' })['time'], '2024-05-06T07:08:09+00:00', 'string times are normalized');
  t.equal(build(t, {}, { time: 'garbage' })['time'], undefined, 'unreadable commit time: no time');
  t.equal(build(t, {}, { time: null })['time'], undefined);
  t.same(Object.keys(build(t, {}, { source: undefined })), ['name', 'version', 'version_normalized', 'dist', 'type', 'time'], 'dist only');
  t.same(build(t, {}, { dist: { type: 'zip', url: 'https://x.test/a.zip' } })['dist'], { type: 'zip', url: 'https://x.test/a.zip' });
});

t.test('package-level abandonment replaces the manifest flag', async (t) => {
  t.equal(build(t, { abandoned: true }, { abandoned: false })['abandoned'], undefined);
  t.equal(build(t, { abandoned: true }, { abandoned: '' })['abandoned'], undefined);
  t.equal(build(t, {}, { abandoned: 'acme/new' })['abandoned'], 'acme/new');
  t.equal(build(t, { abandoned: 'acme/x' })['abandoned'], 'acme/x', 'the manifest flag when the caller says nothing');
});

t.test('buildVersionEntry is idempotent on its own output', async (t) => {
  const entry = build(t, { require: { php: '>=8.1' }, bin: '/bin/x', keywords: [1], time: '2024-01-01 10:00 +01:00', type: 'X' });
  const again = buildVersionEntry(entry, { ...BASE, time: undefined });
  t.same(again, { ok: true, entry });
  t.equal(json(again.ok ? again.entry : null), json(entry), 'same bytes');
});

// [what, fields, input, reason]
const ENTRY_REJECTED: [string, Record<string, unknown>, Partial<VersionEntryInput>, string | RegExp][] = [
  ['uppercase name', {}, { name: 'Acme/Foo' }, 'package name "Acme/Foo" must be lowercase'],
  ['invalid name', {}, { name: 'acme' }, /^invalid package name: .*"acme"/],
  ['invalid name characters', {}, { name: 'acme/foo bar' }, /^invalid package name: .*"acme\/foo bar"/],
  ['reserved name', {}, { name: 'acme/nul' }, /^invalid package name: .*nul/],
  ['empty version', {}, { version: '' }, 'version must not be empty'],
  ['empty normalized version', {}, { versionNormalized: '' }, 'version_normalized must not be empty'],
  ['neither source nor dist', {}, { source: undefined, dist: undefined }, 'a version needs a source or a dist'],
  ['source without reference', {}, { source: { type: 'git', url: 'https://x.test/r.git', reference: '' } },
    'source.reference must be a non-empty string'],
  ['source url like an option', {}, { source: { type: 'git', url: '--upload-pack=touch /tmp/x', reference: SHA } },
    'source.url must not start with "-": --upload-pack=touch /tmp/x'],
  ['source reference like an option', {}, { source: { type: 'git', url: 'https://x.test/r.git', reference: ' -x' } },
    'source.reference must not start with "-":  -x'],
  ['dist without url', {}, { dist: { type: 'zip', url: '' } }, 'dist.url must be a non-empty string'],
  ['dist url like an option', {}, { dist: { type: 'zip', url: '-o/tmp/x' } }, 'dist.url must not start with "-": -o/tmp/x'],
  ['dist reference like an option', {}, { dist: { type: 'zip', url: 'https://x.test/a.zip', reference: '-r' } },
    'dist.reference must not start with "-": -r'],
  ['branch-alias target not a string on a dev version', { extra: { 'branch-alias': { 'dev-main': 2 } } },
    { version: 'dev-main', versionNormalized: 'dev-main' }, 'extra.branch-alias.dev-main must be a string, not a number'],
  ['branch-alias target not a string on a x.y.x-dev version', { extra: { 'branch-alias': { '1.x-dev': null } } },
    { version: '1.x-dev', versionNormalized: '1.9999999.9999999.9999999-dev' }, 'extra.branch-alias.1.x-dev must be a string, not null'],
];

t.test('buildVersionEntry rejections', async (t) => {
  for (const [what, fields, input, reason] of ENTRY_REJECTED) {
    const m = mustParse(t, manifestJson(fields));
    const result = buildVersionEntry(m.fields, { ...BASE, ...input });
    if (result.ok) {
      t.fail(`${what}: accepted`);
      continue;
    }
    if (typeof reason === 'string') t.equal(result.reason, reason, what);
    else t.match(result.reason, reason, what);
  }
});

t.test('a bad branch-alias only matters on dev versions', async (t) => {
  const entry = build(t, { extra: { 'branch-alias': { 'dev-main': 2 } } });
  t.same(entry['extra'], { 'branch-alias': { 'dev-main': 2 } });
});

t.test('self.version must make a constraint of the version', async (t) => {
  const fields = { replace: { 'acme/foo-core': 'self.version' } };
  t.equal(build(t, fields, { version: 'dev-main', versionNormalized: 'dev-main' })['replace'] !== undefined, true);
  const m = mustParse(t, manifestJson(fields));
  const result = buildVersionEntry(m.fields, { ...BASE, version: 'dev-a b c', versionNormalized: 'dev-a b c' });
  t.match(result, { ok: false, reason: /^replace\.acme\/foo-core: "self\.version" means "dev-a b c" here, which is not a valid constraint \(.+\)$/ });
  t.match(publishedFields(m, 'dev-a b c'), { ok: false, reason: /^replace\.acme\/foo-core: "self\.version"/ });
});

t.test('stored fields are checked again', async (t) => {
  const result = buildVersionEntry({ require: 'php' }, BASE);
  t.same(result, { ok: false, reason: '"require" must be an object mapping package names to version constraints' });
  const ignoredKeys = buildVersionEntry({ name: 'evil/name', version: 'x', source: 'x', scripts: {} }, BASE);
  t.same(ignoredKeys.ok && Object.keys(ignoredKeys.entry), ['name', 'version', 'version_normalized', 'source', 'dist', 'type', 'time']);
  t.equal(ignoredKeys.ok && ignoredKeys.entry['name'], 'acme/foo');
});
