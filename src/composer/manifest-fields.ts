// Checks and cleans the composer.json fields that go into a published version entry, by what
// composer 2.10's ArrayLoader does with each one when a client loads our metadata: a value it
// would throw on is rejected (one bad entry breaks the whole p2 file for every client), a value
// it silently ignores is dropped with a warning, and the rest is published as composer reads it.
//
// ArrayLoader runs with strict_types and composer turns PHP warnings into exceptions, so a
// wrong scalar type handed to a typed setter or string function (strtolower, trim, ltrim) is a
// TypeError, not a coercion: that is why several fields below reject non-strings.

import { validateConstraint } from '../domain/versions.js';
import { isJsonObject, setJsonKey, type JsonObject, type JsonValue } from './json.js';
import { UNSET_MARKER } from './minify.js';

/** The fields of a version entry that come from composer.json, in the order packagist.org emits them. */
export const MANIFEST_FIELDS = [
  'description', 'keywords', 'homepage', 'license', 'authors', 'type', 'support', 'php-ext', 'funding', 'time',
  'autoload', 'extra', 'target-dir', 'include-path', 'bin', 'require', 'require-dev', 'suggest', 'conflict',
  'provide', 'replace', 'abandoned',
] as const;
export type ManifestField = (typeof MANIFEST_FIELDS)[number];

export const LINK_FIELDS = ['require', 'require-dev', 'conflict', 'provide', 'replace'] as const;
export type LinkField = (typeof LINK_FIELDS)[number];

export type FieldCheck =
  | { ok: true; fields: JsonObject; warnings: string[] }
  | { ok: false; reason: string };

type Outcome = { keep: JsonValue } | { drop: string | null } | { reject: string };

const DROP: Outcome = { drop: null };

/** PHP isset() on a decoded value: present and not null. */
function isSet(value: JsonValue | undefined): value is Exclude<JsonValue, null> {
  return value !== undefined && value !== null;
}

/** PHP empty(): null, false, 0, "", "0" and the empty array. */
function isEmpty(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '' || value === '0') return true;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** A PHP array after json_decode: a JSON list or object. */
function isPhpArray(value: JsonValue | undefined): value is JsonValue[] | JsonObject {
  return typeof value === 'object' && value !== null;
}

function values(value: JsonValue[] | JsonObject): JsonValue[] {
  return Array.isArray(value) ? value : Object.values(value);
}

function entries(value: JsonValue[] | JsonObject): [string, JsonValue][] {
  return Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
}

/** PHP's strtolower since 8.2: ASCII only, whatever the locale. */
function asciiLower(value: string): string {
  return value.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** PHP strval() of a scalar, for the values JSON can hold. */
function phpStrval(value: string | number | boolean | null): string {
  if (value === true) return '1';
  if (value === false || value === null) return '';
  return String(value);
}

/** Keys PHP turns into integers when decoding an object ("12", "-3", not "012" or "1.0"). */
function isPhpIntegerKey(key: string): boolean {
  if (!/^(?:0|-?[1-9][0-9]*)$/.test(key)) return false;
  const n = BigInt(key);
  return n <= 9223372036854775807n && n >= -9223372036854775808n;
}

/** "a string", "a list", "null"...: for reasons shown to users. */
export function describe(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const ignored = (field: string, why: string): Outcome => ({ drop: `"${field}" ${why}, ignored` });

/** Strings published at the top level of an entry must not be "__unset", which expand() deletes. */
function topLevelString(field: string, value: string): Outcome {
  if (value === UNSET_MARKER) return ignored(field, `is "${UNSET_MARKER}", a value the minified metadata format cannot carry`);
  return { keep: value };
}

function optionalString(field: string, value: JsonValue | undefined): Outcome {
  // ArrayLoader: `!empty($x) && is_string($x)`, else ignored
  if (isEmpty(value)) return DROP;
  if (typeof value !== 'string') return ignored(field, `is ${describe(value as JsonValue)}, not a string`);
  return topLevelString(field, value);
}

function optionalArray(field: string, value: JsonValue | undefined): Outcome {
  // support, extra: `isset && is_array`; authors, funding: `!empty && is_array`; else ignored.
  // Empty ones load but packagist does not publish them, nor do we.
  if (isEmpty(value)) return DROP;
  if (!isPhpArray(value)) return ignored(field, `is ${describe(value as JsonValue)}, not an object or list`);
  return { keep: value };
}

function requiredArray(field: string, value: JsonValue | undefined, what: string): Outcome {
  // typed setters (setAutoload(array), setPhpExt(?array), setIncludePaths(array)) throw
  if (!isSet(value)) return DROP;
  if (!isPhpArray(value)) return { reject: `"${field}" must be ${what}` };
  if (Object.keys(value).length === 0) return DROP;
  return { keep: value };
}

function checkKeywords(value: JsonValue | undefined): Outcome {
  if (isEmpty(value)) return DROP;
  if (!isPhpArray(value)) return ignored('keywords', `is ${describe(value as JsonValue)}, not a list`);
  // array_map('strval') raises "Array to string conversion" on a nested list or object
  const out: string[] = [];
  for (const [key, keyword] of entries(value)) {
    if (typeof keyword === 'object' && keyword !== null) return { reject: `keywords.${key} must be a string, not ${describe(keyword)}` };
    out.push(phpStrval(keyword));
  }
  return { keep: out };
}

function checkLicense(value: JsonValue | undefined): Outcome {
  // `!empty` then wrapped into a list when it is not one already
  if (isEmpty(value)) return DROP;
  if (isPhpArray(value)) return { keep: values(value) };
  return { keep: [value as JsonValue] };
}

function checkType(value: JsonValue | undefined): Outcome {
  if (!isSet(value)) return DROP;
  if (typeof value !== 'string') return { reject: `"type" must be a string, not ${describe(value)}` };
  return topLevelString('type', asciiLower(value));
}

function checkTargetDir(value: JsonValue | undefined): Outcome {
  if (!isSet(value)) return DROP;
  if (typeof value !== 'string') return { reject: `"target-dir" must be a string, not ${describe(value)}` };
  if (isEmpty(value)) return DROP; // packagist only publishes a non-empty target-dir
  return topLevelString('target-dir', value);
}

// composer 2.10 refuses to install a package whose bin escapes the package directory
// (ValidatingArrayLoader::validatePackage, GHSA-gjfg-22fp-rrxx)
const PARENT_SEGMENT = /(?:^|[\\/])\.\.(?:[\\/]|$)/;

function checkBin(value: JsonValue | undefined): Outcome {
  if (!isSet(value)) return DROP;
  const list = isPhpArray(value) ? entries(value) : [['0', value] as [string, JsonValue]];
  const out: string[] = [];
  for (const [key, bin] of list) {
    if (typeof bin !== 'string') return { reject: `bin.${key} must be a string, not ${describe(bin)}` };
    // ArrayLoader strips leading slashes before anything looks at the path
    const path = bin.replace(/^\/+/, '');
    if (PARENT_SEGMENT.test(path)) return { reject: `bin "${bin}" must not contain ".." path segments` };
    out.push(path);
  }
  return out.length === 0 ? DROP : { keep: out };
}

function checkLinks(field: LinkField, value: JsonValue | undefined): Outcome {
  // loadPackages() iterates any set link field: a scalar is a PHP warning, thus an exception
  if (!isSet(value)) return DROP;
  const shape = `"${field}" must be an object mapping package names to version constraints`;
  if (!isPhpArray(value)) return { reject: shape };
  if (Array.isArray(value)) return value.length === 0 ? DROP : { reject: `${shape}, not a list` };
  const out: JsonObject = {};
  for (const [target, constraint] of Object.entries(value)) {
    // an integer key reaches strtolower() as an int: a TypeError under strict_types
    if (isPhpIntegerKey(target)) return { reject: `${field}.${target}: "${target}" is not a package name` };
    if (typeof constraint !== 'string') {
      return { reject: `${field}.${target}: the constraint must be a string, not ${describe(constraint)}` };
    }
    // "self.version" depends on the version being published; checked when the entry is built
    if (constraint !== 'self.version') {
      const problem = validateConstraint(constraint);
      if (problem !== null) return { reject: `${field}.${target}: invalid constraint "${constraint}" (${problem})` };
    }
    setJsonKey(out, target, constraint);
  }
  return Object.keys(out).length === 0 ? DROP : { keep: out };
}

function checkSuggest(value: JsonValue | undefined): Outcome {
  if (!isSet(value)) return DROP;
  if (!isPhpArray(value)) return ignored('suggest', `is ${describe(value)}, not an object`);
  // trim($reason) on each value: a non-string is a TypeError
  for (const [target, reason] of entries(value)) {
    if (typeof reason !== 'string') return { reject: `suggest.${target}: the reason must be a string, not ${describe(reason)}` };
  }
  return Object.keys(value).length === 0 ? DROP : { keep: value };
}

function checkAbandoned(value: JsonValue | undefined): Outcome {
  // composer reads it as a flag ((bool) cast) carrying an optional replacement package name
  if (isEmpty(value)) return DROP;
  if (typeof value === 'string' && value !== UNSET_MARKER) return { keep: value };
  return { keep: true };
}

const CHECKS: Record<ManifestField, (value: JsonValue | undefined) => Outcome> = {
  description: (v) => optionalString('description', v),
  keywords: checkKeywords,
  homepage: (v) => optionalString('homepage', v),
  license: checkLicense,
  authors: (v) => optionalArray('authors', v),
  type: checkType,
  support: (v) => optionalArray('support', v),
  'php-ext': (v) => requiredArray('php-ext', v, 'an object'),
  funding: (v) => optionalArray('funding', v),
  time: checkTime,
  autoload: (v) => requiredArray('autoload', v, 'an object'),
  extra: (v) => optionalArray('extra', v),
  'target-dir': checkTargetDir,
  'include-path': (v) => requiredArray('include-path', v, 'a list of paths'),
  bin: checkBin,
  require: (v) => checkLinks('require', v),
  'require-dev': (v) => checkLinks('require-dev', v),
  suggest: checkSuggest,
  conflict: (v) => checkLinks('conflict', v),
  provide: (v) => checkLinks('provide', v),
  replace: (v) => checkLinks('replace', v),
  abandoned: checkAbandoned,
};

/**
 * Checks the publishable fields of a composer.json object (or of fields this function already
 * returned: it is idempotent). Other keys are left out: they are not published.
 */
export function checkManifestFields(input: Readonly<JsonObject>): FieldCheck {
  const fields: JsonObject = {};
  const warnings: string[] = [];
  for (const field of MANIFEST_FIELDS) {
    const outcome = CHECKS[field](Object.hasOwn(input, field) ? input[field] : undefined);
    if ('reject' in outcome) return { ok: false, reason: outcome.reject };
    if ('keep' in outcome) fields[field] = outcome.keep;
    else if (outcome.drop !== null) warnings.push(outcome.drop);
  }
  return { ok: true, fields, warnings };
}

// --- time ---------------------------------------------------------------------------------

// The date forms we can read exactly as PHP's DateTime does: ISO 8601 / RFC 3339 dates and
// date-times (space or T, optional seconds and fraction, optional Z/UTC/offset; no zone means
// UTC, as ArrayLoader parses with a UTC default), and unix timestamps in digits. PHP accepts
// many more free forms ("next monday"); those are ignored and the commit date is used instead.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(?:([Zz]|UTC|GMT)|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const MAX_TIMESTAMP = 253402300799; // 9999-12-31T23:59:59Z: the output keeps a 4-digit year

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Formats an instant as packagist.org does ('Y-m-d\TH:i:sP' in UTC). */
export function formatTime(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T`
    + `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}+00:00`;
}

/** A composer.json or commit `time` as 'YYYY-MM-DDTHH:MM:SS+00:00', or null when unreadable. */
export function normalizeTime(value: string): string | null {
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return seconds <= MAX_TIMESTAMP ? formatTime(new Date(seconds * 1000)) : null;
  }
  const m = ISO_TIME.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((s) => Number(s ?? 0)) as
    [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0-99 to 1900-1999
  if (date.getUTCDate() !== day) return null; // 31 April and the like
  const offsetMinutes = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10] ?? 0));
  if (Math.abs(offsetMinutes) > 14 * 60) return null;
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const year4 = date.getUTCFullYear();
  return year4 < 0 || year4 > 9999 ? null : formatTime(date);
}

function checkTime(value: JsonValue | undefined): Outcome {
  // `!empty($time)`, then a failed DateTime parse is swallowed: the version has no time
  if (isEmpty(value)) return DROP;
  if (typeof value !== 'string') return ignored('time', `is ${describe(value as JsonValue)}, not a date string`);
  const time = normalizeTime(value);
  return time === null ? ignored('time', `"${value}" is not a date we can read`) : { keep: time };
}

/** Every value in a link field that asks for the version being published ("self.version"). */
export function selfVersionLinks(fields: Readonly<JsonObject>): string[] {
  const out: string[] = [];
  for (const field of LINK_FIELDS) {
    const links = fields[field];
    if (!isJsonObject(links)) continue;
    for (const [target, constraint] of Object.entries(links)) if (constraint === 'self.version') out.push(`${field}.${target}`);
  }
  return out;
}

// --- checks that depend on the version being published ---------------------------------

/** Composer 2.x's dev versions: ArrayLoader only reads branch aliases for these. */
export function isDevVersion(version: string): boolean {
  return version.startsWith('dev-') || version.endsWith('-dev');
}

/** What ArrayLoader would throw on for this fields/version pair, or null. */
export function versionDependentProblem(fields: Readonly<JsonObject>, version: string): string | null {
  // "self.version" links are parsed as the constraint "<pretty version>"
  const selfLinks = selfVersionLinks(fields);
  if (selfLinks.length > 0) {
    const problem = validateConstraint(version);
    if (problem !== null) {
      return `${selfLinks[0]}: "self.version" means "${version}" here, which is not a valid constraint (${problem})`;
    }
  }
  // getBranchAlias() runs substr() on every alias target of a dev version: a TypeError unless a string
  const extra = fields['extra'];
  if (isDevVersion(version) && isJsonObject(extra)) {
    const aliases = extra['branch-alias'];
    if (typeof aliases === 'object' && aliases !== null) {
      const pairs = Array.isArray(aliases) ? aliases.map((v, i) => [String(i), v] as const) : Object.entries(aliases);
      for (const [source, target] of pairs) {
        if (typeof target !== 'string') return `extra.branch-alias.${source} must be a string, not ${describe(target)}`;
      }
    }
  }
  return null;
}

/** The package name as published (composer lowercases names, ASCII only): "Acme/Foo" -> "acme/foo". */
export function publishedName(name: string): string {
  return asciiLower(name);
}
