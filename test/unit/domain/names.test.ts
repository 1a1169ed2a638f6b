// Package names: the server accepts exactly the names composer's validating loader accepts,
// and tells the user why a name is refused.

import t from 'tap';
import { isValidPackageName, validatePackageName } from '../../../src/domain/names.js';
import { runPhpSemver } from '../../helpers/php-semver.js';

const valid = [
  'acme/foo', 'a/b', '0/0', 'acme/foo-bar', 'acme/foo--bar', 'acme/foo.bar', 'acme/foo_bar', 'acme-corp/foo',
  'acme.corp/foo', 'acme_corp/foo', 'acme9/9foo', 'symfony/polyfill-php80', 'doctrine/orm', 'acme/json',
  'acme/foo-json', 'acme/foo.jsonx', 'acme/com10', 'acme/conx', 'lpt/foo',
];

const invalid: [string, RegExp][] = [
  ['', /empty/],
  ['foo', /no vendor/],
  ['acme/foo/bar', /more than one "\/"/],
  ['/foo', /empty vendor/],
  ['acme/', /empty package/],
  ['Acme/Foo', /must be lowercase, for example "acme\/foo"/],
  ['AcmeCorp/FooBar', /for example "acme-corp\/foo-bar"/],
  ['acme/fooBAR', /for example "acme\/foo-bar"/],
  ['acme--corp/foo', /vendor name "acme--corp"/],
  ['acme/foo---bar', /package name "foo---bar"/],
  ['acme/-foo', /package name/],
  ['acme/foo-', /package name/],
  ['-acme/foo', /vendor name/],
  ['acme/foo_-bar', /package name/],
  ['acme/foo..bar', /package name/],
  ['acme/foo bar', /package name/],
  ['acme/föö', /package name/],
  ['acme/foo\n', /package name/],
  ['con/foo', /reserved/],
  ['acme/NUL', /reserved/],
  ['acme/lpt9', /reserved/],
  ['acme/foo.json', /cannot end in \.json/],
];

t.test('valid names', (t) => {
  for (const name of valid) {
    t.equal(validatePackageName(name), null, name);
    t.equal(isValidPackageName(name), true, name);
  }
  t.end();
});

t.test('invalid names give a reason', (t) => {
  for (const [name, reason] of invalid) {
    t.match(validatePackageName(name), reason, JSON.stringify(name));
    t.equal(isValidPackageName(name), false, JSON.stringify(name));
  }
  t.end();
});

t.test('a long hostile name is refused in linear time', (t) => {
  const started = Date.now();
  t.equal(isValidPackageName(`acme/${'a-'.repeat(50_000)}!`), false);
  t.equal(isValidPackageName(`${'a'.repeat(40)}!/foo`), false);
  t.ok(Date.now() - started < 1_000);
  t.end();
});

t.test("agrees with composer's ValidatingArrayLoader on which names are valid", (t) => {
  const words = ['a', 'acme', 'foo9', 'Foo', 'con', 'x.json'];
  const joints = ['', '-', '--', '---', '.', '..', '_', '__', '_-', '-.', ' '];
  const generated = words.flatMap((w1) => joints.flatMap((j) => words.map((w2) => `${w1}${j}${w2}`)));
  const names = [
    ...valid,
    ...invalid.map(([name]) => name),
    ...generated.map((g) => `${g}/foo`),
    ...generated.map((g) => `acme/${g}`),
  ];
  const php = runPhpSemver({ packageNames: names });
  const mismatches = names.flatMap((name, i) =>
    (validatePackageName(name) === null) === (php.packageNames[i] === null) ? [] : [{ name, ours: validatePackageName(name), php: php.packageNames[i] }],
  );
  t.comment(`${names.length - mismatches.length} of ${names.length} names agree with composer`);
  t.same(mismatches, []);
  t.end();
});
