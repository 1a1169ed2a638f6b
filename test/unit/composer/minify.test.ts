// Differential test of our metadata minifier against composer's PHP MetadataMinifier: the same
// inputs must give the same bytes, and each side must expand what the other minified.

import t from 'tap';
import { expand, minify, phpIdentical } from '../../../src/composer/minify.js';
import type { JsonObject, JsonValue } from '../../../src/composer/json.js';
import { hasPhpShapeAmbiguity, phpMinifierProblem, phpShape, runPhpMinifier, type PhpJob } from '../../helpers/php-minifier.js';

// --- deterministic generator -------------------------------------------------------------

function prng(seed: number): () => number {
  // mulberry32: small, seeded, good enough to spread cases
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const chance = (rand: Rand, p: number): boolean => rand() < p;

// Strings that stress escaping on both sides (slashes, quotes, controls, U+2028, non-ASCII),
// plus the values that matter to the format: "__unset", "", "0", "1".
const STRINGS = ['', '0', '1', 'a', 'acme/foo', '^1.0 || ^2.0', 'src/', 'https://x.test/a/b', 'quo"te', 'back\\slash',
  'tab\there', 'line\nbreak', 'ctl\u0001\u001f', 'sep\u2028', 'é ü 日本', '🙂', 'dev-main', '__unset'];
// Floats that both PHP and JS print the same way (no exponent forms, no -0).
const NUMBERS = [0, 1, 2, -1, 42, 1.5, 0.25, -3.75, 9007199254740991];
// Keys for nested objects, including integer-like ones (JS orders those first; the JSON we
// send PHP carries that order, so both sides see the same input).
const NESTED_KEYS = ['psr-4', 'classmap', 'files', 'a', 'b', 'Acme\\', '', '0', '1', '7', 'x-y', 'branch-alias', 'dev-main'];
// Top-level keys: no integer-like ones, because a JS object cannot hold them in PHP's order.
const TOP_KEYS = ['name', 'description', 'version', 'version_normalized', 'require', 'require-dev', 'autoload', 'extra',
  'keywords', 'license', 'time', 'type', 'dist', 'source', 'bin', 'default-branch', 'abandoned', 'suggest', 'support', 'z'];

function scalar(rand: Rand): JsonValue {
  const r = rand();
  if (r < 0.45) return pick(rand, STRINGS);
  if (r < 0.75) return pick(rand, NUMBERS);
  if (r < 0.85) return rand() < 0.5;
  return null;
}

function value(rand: Rand, depth: number): JsonValue {
  const r = rand();
  if (depth >= 3 || r < 0.45) return scalar(rand);
  if (r < 0.55) return chance(rand, 0.5) ? [] : {};
  if (r < 0.75) return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => value(rand, depth + 1));
  const out: JsonObject = {};
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) out[pick(rand, NESTED_KEYS)] = value(rand, depth + 1);
  return out;
}

function shuffled<T>(rand: Rand, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Same content, different key order: PHP's !== sees a difference. */
function reorder(rand: Rand, v: JsonValue): JsonValue {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const out: JsonObject = {};
  for (const key of shuffled(rand, Object.keys(v))) out[key] = v[key] as JsonValue;
  return out;
}

/** Swaps a value for one PHP may or may not consider identical. */
function twin(rand: Rand, v: JsonValue): JsonValue {
  if (typeof v === 'number') return String(v); // 1 vs "1": different to PHP
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  if (Array.isArray(v)) return v.length === 0 ? {} : Object.fromEntries(v.map((x, i) => [String(i), x])); // same PHP array
  if (v !== null && typeof v === 'object' && Object.keys(v).length === 0) return [];
  if (v === true) return 1;
  if (v === null) return false;
  return reorder(rand, v);
}

function firstVersion(rand: Rand): JsonObject {
  const out: JsonObject = {};
  const n = Math.floor(rand() * 9);
  for (let i = 0; i < n; i++) out[pick(rand, TOP_KEYS)] = value(rand, 0);
  return out;
}

function nextVersion(rand: Rand, previous: JsonObject): JsonObject {
  if (chance(rand, 0.05)) return {};
  if (chance(rand, 0.05)) return firstVersion(rand);
  let keys = Object.keys(previous);
  if (chance(rand, 0.2)) keys = shuffled(rand, keys); // top-level order changes
  const out: JsonObject = {};
  for (const key of keys) {
    const v = previous[key] as JsonValue;
    const r = rand();
    if (r < 0.1) continue; // key disappears
    if (r < 0.18) out[key] = null;
    else if (r < 0.3) out[key] = twin(rand, v);
    else if (r < 0.45) out[key] = value(rand, 0);
    else out[key] = v; // unchanged (often the same reference, as in real metadata)
  }
  for (let i = Math.floor(rand() * 3); i > 0; i--) out[pick(rand, TOP_KEYS)] = value(rand, 0);
  return out;
}

function versionList(rand: Rand): JsonObject[] {
  const n = Math.floor(rand() * 8);
  const out: JsonObject[] = [];
  for (let i = 0; i < n; i++) out.push(i === 0 ? firstVersion(rand) : nextVersion(rand, out[i - 1] as JsonObject));
  return out;
}

// Hand-written cases for the quirks of the original.
const EDGE_CASES: JsonObject[][] = [
  [],
  [{}],
  [{}, {}],
  [{}, { a: 1 }, { a: 1 }],
  [{ a: 1 }, {}, { b: 2 }, { b: 2 }],
  [{ a: null, b: 1 }, { a: null, b: 1 }, { b: null }, { b: 1 }],
  [{ require: {} }, { require: [] }, { require: { 'a/b': '^1' } }, { require: { 'a/b': '^1' } }],
  [{ x: { a: 1, b: 2 } }, { x: { b: 2, a: 1 } }, { x: { a: 1, b: 2 } }],
  [{ x: ['a', 'b'] }, { x: { 0: 'a', 1: 'b' } }, { x: { 1: 'b', 0: 'a' } }],
  [{ v: 1 }, { v: '1' }, { v: true }, { v: 1 }, { v: 1.5 }],
  [{ a: '__unset' }, { a: '__unset' }, { a: 'x' }],
  [{ a: 1, b: 2, c: 3 }, { c: 3, b: 2, a: 1 }, { a: 1 }, { z: 0, a: 1 }],
];

// Minified-looking inputs for expand alone: "__unset" in a first entry, entries that empty the
// running version (so the next one is taken whole, "__unset" values included), unknown keys.
const EXPAND_CASES: JsonObject[][] = [
  [{ a: '__unset', b: 1 }, { b: '__unset', c: 2 }],
  [{ a: 1 }, { a: '__unset' }, { b: '__unset', c: 3 }, { c: '__unset' }, { d: null }],
  [{ a: 1 }, { missing: '__unset' }, {}, { a: null }],
  [{}, { a: '__unset' }, { a: 1 }],
];

// --- the test ----------------------------------------------------------------------------

const problem = phpMinifierProblem();
if (problem !== null) {
  // a missing PHP must fail loudly: skipping would let the port drift unnoticed
  t.fail(`cannot run the differential test: ${problem}`);
} else {
  const rand = prng(0x5eed);
  const cases: JsonObject[][] = [...EDGE_CASES];
  for (let i = 0; i < 400; i++) cases.push(versionList(rand));

  const ours = cases.map((c) => minify(c));
  const expandInputs = [...ours, ...EXPAND_CASES];
  const jobs: PhpJob[] = [
    ...cases.map((versions): PhpJob => ({ op: 'minify', versions })),
    ...ours.map((versions): PhpJob => ({ op: 'expand', versions })),
    ...cases.map((versions): PhpJob => ({ op: 'canon', versions })),
    ...EXPAND_CASES.map((versions): PhpJob => ({ op: 'expand', versions })),
  ];
  const results = runPhpMinifier(jobs);
  const n = cases.length;
  const phpMinified = results.slice(0, n);
  const phpExpandedOurs = results.slice(n, 2 * n);
  const phpCanonInput = results.slice(2 * n, 3 * n);
  const phpExpandedEdge = results.slice(3 * n);

  t.test('our model of PHP json_encode shapes matches PHP on every input', async (t) => {
    const bad = cases.filter((c, i) => JSON.stringify(phpShape(c)) !== phpCanonInput[i]);
    t.same(bad, [], 'phpShape agrees with json_encode');
  });

  t.test('minify: same bytes as PHP', async (t) => {
    let exact = 0;
    for (let i = 0; i < n; i++) {
      const mine = ours[i] as JsonObject[];
      const theirs = phpMinified[i] as string;
      if (!hasPhpShapeAmbiguity(mine)) {
        t.equal(JSON.stringify(mine), theirs, `case ${i} byte for byte`);
        exact++;
      } else {
        // our output keeps {} where PHP can only write []; apart from that, the same bytes
        t.equal(JSON.stringify(phpShape(mine)), theirs, `case ${i} byte for byte after PHP's {}/[] folding`);
      }
    }
    t.ok(exact > n / 5, `${exact} of ${n} cases compared without any shape folding`);
  });

  t.test('PHP expand of our minified output gives the full input back', async (t) => {
    let checked = 0;
    for (let i = 0; i < n; i++) {
      if (!roundTrips(cases[i] as JsonObject[])) continue;
      checked++;
      const expected = roundTripExpectation(cases[i] as JsonObject[]);
      const got = JSON.parse(phpExpandedOurs[i] as string) as JsonValue[];
      // JSON text, not t.same: nested key order must match too
      t.equal(JSON.stringify(got.map(sortedTop)), JSON.stringify(expected.map((v) => sortedTop(phpShape(v)))), `case ${i}`);
    }
    t.ok(checked > n / 2, `${checked} of ${n} cases can round-trip and were checked`);
  });

  t.test('expand: same result as PHP', async (t) => {
    // PHP's expand of our minify is checked above; here ours against theirs, on both kinds
    for (let i = 0; i < expandInputs.length; i++) {
      const input = expandInputs[i] as JsonObject[];
      const theirs = i < n ? phpExpandedOurs[i] : phpExpandedEdge[i - n];
      t.equal(JSON.stringify(phpShape(expand(input))), theirs, `case ${i}`);
    }
  });

  t.test('our expand of our minify is PHP-identical to the input, key order aside', async (t) => {
    for (let i = 0; i < n; i++) {
      if (!roundTrips(cases[i] as JsonObject[])) continue;
      const expected = roundTripExpectation(cases[i] as JsonObject[]);
      const got = expand(ours[i] as JsonObject[]);
      t.equal(got.length, expected.length, `case ${i} length`);
      got.forEach((v, j) => t.ok(phpIdentical(sortedTop(v), sortedTop(expected[j] as JsonObject)), `case ${i} version ${j}`));
    }
  });
}

/**
 * False when a top-level value is the string "__unset" after the first entry: the format cannot
 * carry that value (expand deletes the key), on either side; such cases are still compared
 * with PHP byte for byte, just not with the input.
 */
function roundTrips(versions: JsonObject[]): boolean {
  return versions.slice(1).every((v) => !Object.values(v).includes('__unset'));
}

/**
 * What minify-then-expand gives back in PHP: the input, except that top-level nulls vanish
 * (isset() treats them as absent) unless the entry was written whole, which happens for the
 * first entry and after an entry that left the running version empty. Top-level key order is
 * not kept, so callers compare with sortedTop.
 */
function roundTripExpectation(versions: JsonObject[]): JsonObject[] {
  let runningEmpty = true;
  return versions.map((v) => {
    const whole = runningEmpty;
    const kept = whole ? { ...v } : Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
    runningEmpty = Object.keys(kept).length === 0;
    return kept;
  });
}

function sortedTop(v: JsonValue): JsonObject {
  const entries = typeof v === 'object' && v !== null ? Object.entries(v) : [];
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

t.test('minify and expand without PHP: shapes and quirks', async (t) => {
  t.same(minify([]), []);
  t.same(expand([]), []);
  const full = [
    { name: 'acme/foo', version: '2.0.0', require: {}, extra: { a: [] } },
    { name: 'acme/foo', version: '1.0.0', require: {}, extra: { a: [] } },
  ];
  const min = minify(full);
  t.same(min, [full[0], { version: '1.0.0' }], 'only changed keys');
  t.same(expand(min), full, 'round trip keeps {} as {}');
  t.ok(!Array.isArray((expand(min)[1] as JsonObject).require), 'require stays an object');
  t.same(minify([{ a: 1, b: null }, { a: 1, b: null }]), [{ a: 1, b: null }, { b: '__unset' }], 'null becomes __unset');
  t.same(minify([{ a: 1 }, { a: 1, b: 2 }, { b: 2 }]), [{ a: 1 }, { b: 2 }, { a: '__unset' }]);
  t.same(minify([{ x: { a: 1, b: 2 } }, { x: { b: 2, a: 1 } }]), [{ x: { a: 1, b: 2 } }, { x: { b: 2, a: 1 } }], 'key order matters');
  t.same(minify([{ x: ['a'] }, { x: { 0: 'a' } }]), [{ x: ['a'] }, {}], 'a list and its 0-keyed object are the same PHP array');
  const proto = JSON.parse('[{"__proto__": {"a": 1}}, {"__proto__": {"a": 2}}]') as JsonObject[];
  const protoMin = minify(proto);
  t.same(Object.keys(protoMin[1] as JsonObject), ['__proto__'], '__proto__ is a plain key');
  t.same(JSON.stringify(expand(protoMin)), JSON.stringify(proto));
  const input = [{ a: { deep: 1 } }, { a: { deep: 2 } }];
  const before = JSON.stringify(input);
  expand(minify(input));
  t.equal(JSON.stringify(input), before, 'inputs are not mutated');
});
