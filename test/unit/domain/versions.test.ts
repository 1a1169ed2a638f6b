// Version parsing must agree with composer's own VersionParser input for input: the server
// publishes exactly the versions a composer client would derive itself from the same refs.

import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import {
  branchToVersion,
  normalize,
  normalizeBranch,
  parseNumericAliasPrefix,
  parseStability,
  resolveTagVersion,
  validateConstraint,
  type RefVersion,
} from '../../../src/domain/versions.js';
import { runPhpSemver, type PhpOutcome, type PhpRef } from '../../helpers/php-semver.js';

function readCorpus(name: string): string[] {
  const text = readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
  // leading and trailing spaces are part of the entries, so lines are not trimmed
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('# '));
}

const names = readCorpus('version-corpus.txt');
const constraints = readCorpus('constraint-corpus.txt');

// Inputs where PHP's PCRE and string functions differ from JavaScript's: control characters,
// non-ASCII spaces and case mappings, and the alias error messages.
const extraVersions = [
  '', ' ', '\f1.0', '1.0\f', '\v1.0\v', '\t1.0\n', '1.0\u00a0', '\u00a01.0', '1.0\r', '1.0\u2028',
  '1.0\n2.0', 'dev-\u0130', 'DEV-\u0130', '1.0-\u0130', 'v\u0130', '1.0.0-be\u0307ta', '1.0.0-beta1\u212a',
  'V1.0', 'vv1.0', 'foo as 1.0', '1.0 as foo', 'foo as bar', 'dev-x as 1.0', '1.0 as 2.0@dev',
  '1.0@DEV', '@dev', 'dev-', 'dev', '-dev', '.dev', 'x-dev', '1.x-dev', 'v1.x-dev', '1.0.0.0-dev-dev',
  '1.0.0-STABLE', '1.0.0-stable-dev', '1.0.0-Beta-Dev', '1.0.0-rc0', '1.0.0-rc00', '1.0.0-beta.0',
  '00001.0', '000001.0', '1.00', '2010-01-02.5.6', '2010010203040506', '201001020304050', '20100102030405067',
  `1.0.0-beta${'1'.repeat(60)}!`, `1.0.0-beta${'.1'.repeat(60)}x`, `${'1.'.repeat(40)}x-dev`,
  // parseStability and parseNumericAliasPrefix do not trim: PCRE's `$` also matches before a
  // final newline, and its `.` matches \r and U+2028
  '1.0.0-beta1\n', '1.0-dev\n', '1.0.0-rc1\n\n', '2.1.x-dev\n', '3-dev\n', 'dev-x#y\n', '1.0#a\rb-dev',
  '1.0.0-beta1+a\rb', '1.0.0-alpha1+a\u2028b', '1.0#a\u2028b-dev',
];
const extraConstraints = [
  '', ' ', '1.0\n2.0', '1.0\n || 2.0', '1.0\t||\t2.0', '>=1.0\n<2.0', '1.0\f', '\f1.0', '1.0\u00a0||2.0',
  '>=1.0\u00a0<2.0', 'dev-foo#bar\n', '^1.0\n', '~1.0\n', 'dev-\u0130', '1.0\r', '>=\n1.0', '1.0 as\n2.0',
  // an AND part can end with a newline that the whole-string trim left alone
  '~1.0\n 2.0', '^1.0\n 2.0', '1.0 - 2.0\n 3.0', 'dev-foo#bar\n 1.0', '1.x\n 2.0', '1.0@dev\n 2.0', 'foo-dev\n 1.0',
  'foo\rbar', '>=1.0\u2028', 'foo\u2028bar', 'dev-a#b\rc', '>=1.0\r <2.0',
];
const normalizeInputs = [...names, ...extraVersions];
const ourNormalized = normalizeInputs.map(outcome(normalize));
const validNormalized = ourNormalized.flatMap((o) => (o.ok ? [o.value] : []));
const branchNormalized = names.map((name) => normalizeBranch(name));
const tagCases = names.flatMap((name) =>
  [null, name, '1.0.0', `${name}-dev`, `dev-${name}`].map((manifestVersion) => ({ name, manifestVersion })),
);
const aliasInputs = [...names, ...names.map((n) => `${n}-dev`), ...branchNormalized, ...extraVersions];
const constraintInputs = [...constraints, ...extraConstraints, ...names, ...validNormalized, ...branchNormalized];

function outcome(fn: (input: string) => string): (input: string) => PhpOutcome {
  return (input) => {
    try {
      return { ok: true, value: fn(input) };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  };
}

function withoutCode(ref: RefVersion): PhpRef {
  return ref.ok ? ref : { ok: false, reason: ref.reason };
}

/** JSON with every non-ASCII character escaped: U+2028 in a diff would break the TAP stream. */
function show(value: unknown): string {
  return (JSON.stringify(value) ?? 'undefined').replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Compares ours with PHP's per input; reports the count and lists every disagreement. */
function agree<T>(t: Test, what: string, inputs: readonly unknown[], ours: readonly T[], theirs: readonly T[]): void {
  const mismatches = inputs.flatMap((input, i) =>
    JSON.stringify(ours[i]) === JSON.stringify(theirs[i]) ? [] : [{ input: show(input), ours: show(ours[i]), php: show(theirs[i]) }],
  );
  t.comment(`${what}: ${inputs.length - mismatches.length} of ${inputs.length} inputs agree with composer/semver`);
  t.same(mismatches, [], `${what} agrees with composer/semver on every input`);
}

t.test('agrees with composer/semver (php) on the corpus', (t) => {
  const php = runPhpSemver({
    normalize: normalizeInputs,
    normalizeBranch: names,
    parseStability: [...normalizeInputs, ...validNormalized, ...branchNormalized],
    parseNumericAliasPrefix: aliasInputs,
    parseConstraints: constraintInputs,
    tags: tagCases,
    branches: names,
  });
  t.ok(names.length > 900, `the version corpus has ${names.length} names`);
  agree(t, 'normalize', normalizeInputs, ourNormalized, php.normalize);
  agree(t, 'normalizeBranch', names, branchNormalized, php.normalizeBranch);
  const stabilityInputs = [...normalizeInputs, ...validNormalized, ...branchNormalized];
  agree(t, 'parseStability', stabilityInputs, stabilityInputs.map(parseStability), php.parseStability);
  agree(t, 'parseNumericAliasPrefix', aliasInputs, aliasInputs.map(parseNumericAliasPrefix), php.parseNumericAliasPrefix);
  agree(
    t,
    'tags',
    tagCases,
    tagCases.map((c) => withoutCode(resolveTagVersion(c.name, c.manifestVersion))),
    php.tags,
  );
  agree(t, 'branches', names, names.map((n) => withoutCode(branchToVersion(n))), php.branches);
  // validity must agree; the messages are compared too, as users see them
  const ourConstraints = constraintInputs.map((c) => validateConstraint(c));
  const phpConstraints = php.parseConstraints.map((o) => (o.ok ? null : o.error));
  agree(t, 'parseConstraints', constraintInputs, ourConstraints, phpConstraints);
  t.end();
});

t.test('tags become versions as composer reads them (composer.md 1.7)', (t) => {
  const cases: [string, RefVersion][] = [
    ['v1.2.3', { ok: true, version: 'v1.2.3', normalized: '1.2.3.0' }],
    ['release-2.0', { ok: true, version: '2.0', normalized: '2.0.0.0' }],
    ['3.0.0-RC1', { ok: true, version: '3.0.0-RC1', normalized: '3.0.0.0-RC1' }],
    ['1.0.0+build5', { ok: true, version: '1.0.0+build5', normalized: '1.0.0.0' }],
    ['v1.2', { ok: true, version: 'v1.2', normalized: '1.2.0.0' }],
    ['2.0-beta.2', { ok: true, version: '2.0-beta.2', normalized: '2.0.0.0-beta2' }],
    ['1.0.0-p1', { ok: true, version: '1.0.0-p1', normalized: '1.0.0.0-patch1' }],
    ['release-v3.0-release-RC1', { ok: true, version: 'v3.0-RC1', normalized: '3.0.0.0-RC1' }],
    ['1.2.3-1', { ok: false, code: 'INVALID_TAG_NAME', reason: 'invalid tag name' }],
    ['foo', { ok: false, code: 'INVALID_TAG_NAME', reason: 'invalid tag name' }],
    ['1.2.3.4.5', { ok: false, code: 'INVALID_TAG_NAME', reason: 'invalid tag name' }],
    ['1.0-dev', { ok: false, code: 'TAG_DEV_SUFFIX', reason: 'invalid tag name, tags can not use dev prefixes or suffixes' }],
    ['dev-main', { ok: false, code: 'TAG_DEV_SUFFIX', reason: 'invalid tag name, tags can not use dev prefixes or suffixes' }],
  ];
  for (const [tag, expected] of cases) t.same(resolveTagVersion(tag), expected, `tag ${tag}`);
  t.end();
});

t.test("a composer.json version must match the tag", (t) => {
  t.same(resolveTagVersion('v1.0.0', '1.0.0'), { ok: true, version: '1.0.0', normalized: '1.0.0.0' });
  t.same(resolveTagVersion('v1.0.0', '1.0.0-dev'), { ok: true, version: '1.0.0', normalized: '1.0.0.0' }, 'dev suffix is dropped');
  t.same(resolveTagVersion('v1.0.0', '1.0.1'), {
    ok: false,
    code: 'TAG_VERSION_MISMATCH',
    reason: 'tag (1.0.0.0) does not match version (1.0.1.0) in composer.json',
  });
  t.same(resolveTagVersion('v1.0.0', 'one'), {
    ok: false,
    code: 'INVALID_MANIFEST_VERSION',
    reason: 'Invalid version string "one"',
  });
  t.same(resolveTagVersion('v1.0.0', null), { ok: true, version: 'v1.0.0', normalized: '1.0.0.0' }, 'null is no version');
  t.end();
});

t.test('branches become dev versions (composer.md 1.7)', (t) => {
  const cases: [string, RefVersion][] = [
    ['main', { ok: true, version: 'dev-main', normalized: 'dev-main' }],
    ['2.x', { ok: true, version: '2.x-dev', normalized: '2.9999999.9999999.9999999-dev' }],
    ['v3.1', { ok: true, version: 'v3.1.x-dev', normalized: '3.1.9999999.9999999-dev' }],
    ['1.0.*', { ok: true, version: '1.0.x-dev', normalized: '1.0.9999999.9999999-dev' }],
    ['feature/a#b', { ok: true, version: 'dev-feature/a+b', normalized: 'dev-feature/a+b' }],
    ['feature/with space', { ok: false, code: 'INVALID_BRANCH_NAME', reason: 'invalid name' }],
    ['feature|pipe', { ok: false, code: 'INVALID_BRANCH_NAME', reason: 'invalid name' }],
  ];
  for (const [branch, expected] of cases) t.same(branchToVersion(branch), expected, `branch ${branch}`);
  t.end();
});

t.test('normalize follows composer on the documented examples', (t) => {
  const cases: [string, string][] = [
    ['v1.2', '1.2.0.0'], ['1.0.0-rc1', '1.0.0.0-RC1'], ['2.0-beta.2', '2.0.0.0-beta2'], ['1.0.0-p1', '1.0.0.0-patch1'],
    ['master', 'dev-master'], ['dev-feature/x', 'dev-feature/x'], ['1.0.0+abc', '1.0.0.0'], ['1.0.0 as 2.0', '1.0.0.0'],
    ['1.0@beta', '1.0.0.0'], ['2010-01-02', '2010.01.02'], ['1.x-dev', '1.9999999.9999999.9999999-dev'],
  ];
  for (const [input, expected] of cases) t.equal(normalize(input), expected, input);
  t.throws(() => normalize('1.0.0.0.1'), { message: 'Invalid version string "1.0.0.0.1"' });
  t.throws(() => normalize('foo as 1.0'), {
    message: 'Invalid version string "foo as 1.0" in "foo as 1.0", the alias source must be an exact version, if it is a branch name you should prefix it with dev-',
  });
  t.equal(parseStability('1.0.0-p1'), 'stable', 'a patch release is stable');
  t.equal(parseStability('dev-main'), 'dev');
  t.equal(parseNumericAliasPrefix('2.1.x-dev'), '2.1.');
  t.equal(parseNumericAliasPrefix('dev-main'), false);
  t.end();
});

t.test('hostile tag names are parsed in linear time', (t) => {
  // 26 digits take seconds with a backtracking `(?:[.-]?\d+)*`; composer's is possessive
  for (const n of [26, 10_000]) {
    const started = Date.now();
    t.throws(() => normalize(`1.0.0-beta${'1'.repeat(n)}!`));
    t.not(validateConstraint(`^1.0.0-beta${'1'.repeat(n)}!`), null);
    const elapsed = Date.now() - started;
    t.ok(elapsed < 1_000, `${n} digits parsed in ${elapsed} ms`);
    if (elapsed >= 1_000) break;
  }
  t.end();
});
