// Composer's version rules: a port of composer/semver's VersionParser (normalize, branches,
// stability) and of how composer's VcsRepository turns tags and branches into versions.
//
// The reference is php-composer-semver 3.3.2 (Debian's, what the differential tests run
// against). semver 3.4, bundled with current composer, only accepts more (date versions with two
// trailing parts, see DATE_RE), so what is valid here is valid there too.
//
// PCRE and JS RegExp differ in ways that matter for untrusted tag names, so the regexes below
// are composer's with these systematic translations (see also php.* helpers at the bottom):
// - PCRE `$` (no D flag) also matches before a final "\n": written END.
// - PCRE `\s` is [\t\n\v\f\r ] (C locale); JS `\s` also matches Unicode spaces: written WS.
// - PCRE `.` only excludes "\n"; JS `.` also excludes "\r", U+2028, U+2029: written DOT.
// - Possessive `x++` / `x*+` do not exist in JS. Where the next token can never match what was
//   given back they are plain greedy; the one repetition that could backtrack exponentially
//   (`(?:[.-]?\d+)*+`) forces whole digit runs with `(?!\d)`, which keeps the same matches.

export const STABILITIES = ['stable', 'RC', 'beta', 'alpha', 'dev'] as const;
export type Stability = (typeof STABILITIES)[number];

/** What composer aliases the default branch to when it has no numeric branch-alias. */
export const DEFAULT_BRANCH_ALIAS = '9999999-dev';

const END = '(?=\\n?$)';
const WS = '[\\t\\n\\v\\f\\r ]';
const NOT_WS = '[^\\t\\n\\v\\f\\r ]';
const DOT = '[^\\n]';

/** Pre-release part: groups (stability word)(its number)(dev suffix). */
const MODIFIER = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\\d+(?!\\d))*)?)?([.-]?dev)?';
const STABILITY_FLAGS = 'stable|RC|beta|alpha|dev';

/** `<version> as <alias>`: composer keeps the left side. */
const ALIAS_RE = new RegExp(`^([^,\\t\\n\\v\\f\\r ]+) +as +([^,\\t\\n\\v\\f\\r ]+)${END}`);
const FLAG_RE = new RegExp(`@(?:${STABILITY_FLAGS})${END}`, 'i');
const BUILD_RE = new RegExp(`^([^,+\\t\\n\\v\\f\\r ]+)\\+${NOT_WS}+${END}`);
const CLASSIC_RE = new RegExp(`^v?(\\d{1,5})(\\.\\d+)?(\\.\\d+)?(\\.\\d+)?${MODIFIER}${END}`, 'i');
// semver 3.4 allows `{0,2}` trailing short parts here; 3.3 (and this port) only one.
const DATE_RE = new RegExp(`^v?(\\d{4}(?:[.:-]?\\d{2}){1,6}(?:[.:-]?\\d{1,3})?)${MODIFIER}${END}`, 'i');
const DEV_SUFFIX_RE = new RegExp(`(${DOT}*?)[.-]?dev${END}`, 'i');
const BRANCH_RE = new RegExp(`^v?(\\d+)(\\.(?:\\d+|[xX*]))?(\\.(?:\\d+|[xX*]))?(\\.(?:\\d+|[xX*]))?${END}`, 'i');
const REF_SUFFIX_RE = new RegExp(`#${DOT}+${END}`, 'g');
const STABILITY_RE = new RegExp(`${MODIFIER}(?:\\+${DOT}*)?${END}`, 'i');
const ALIAS_PREFIX_RE = new RegExp(`^((?:\\d+\\.)*\\d+)(?:\\.x)?-dev${END}`, 'i');

/**
 * Normalizes a version the way composer does (`v1.2` -> `1.2.0.0`, `1.0-rc1` -> `1.0.0.0-RC1`,
 * `master` -> `dev-master`); throws an Error with composer's message when it is not a version.
 * `fullVersion` is the whole constraint it came from, only used to word the error.
 */
export function normalize(version: string, fullVersion?: string): string {
  let v = php.trim(version);
  const original = v;
  const full = fullVersion ?? v;

  const alias = ALIAS_RE.exec(v);
  if (alias) v = alias[1] ?? v;
  const flag = FLAG_RE.exec(v);
  if (flag) v = v.slice(0, v.length - flag[0].length);

  // composer 1 accepted these bare names as constraints
  if (v === 'master' || v === 'trunk' || v === 'default') v = `dev-${v}`;
  if (php.lower(v.slice(0, 4)) === 'dev-') return `dev-${v.slice(4)}`;

  const build = BUILD_RE.exec(v);
  if (build) v = build[1] ?? v;

  let m = CLASSIC_RE.exec(v);
  let index = 5;
  if (m) {
    v = `${m[1]}${m[2] || '.0'}${m[3] || '.0'}${m[4] || '.0'}`;
  } else {
    m = DATE_RE.exec(v);
    index = 2;
    if (m) v = (m[1] ?? '').replace(/\D/g, '.');
  }
  if (m) {
    const word = m[index];
    if (!php.empty(word)) {
      // case-sensitive in composer: `1.0-STABLE` keeps a `-stable` suffix
      if (word === 'stable') return v;
      v += `-${expandStability(word ?? '')}${php.ltrim(m[index + 1] ?? '', '.-')}`;
    }
    if (!php.empty(m[index + 2])) v += '-dev';
    return v;
  }

  // `1.x-dev` style: only numeric branches may carry a -dev suffix
  const dev = DEV_SUFFIX_RE.exec(v);
  if (dev) {
    const branch = normalizeBranch(dev[1] ?? '');
    if (!branch.includes('dev-')) return branch;
  }

  let extra = '';
  const quoted = php.quote(v);
  if (new RegExp(` +as +${quoted}(?:@(?:${STABILITY_FLAGS}))?${END}`).test(full)) {
    extra = ` in "${full}", the alias must be an exact version`;
  } else if (new RegExp(`^${quoted}(?:@(?:${STABILITY_FLAGS}))? +as +`).test(full)) {
    extra = ` in "${full}", the alias source must be an exact version, if it is a branch name you should prefix it with dev-`;
  }
  throw new Error(`Invalid version string "${original}"${extra}`);
}

/** `2.x` -> `2.9999999.9999999.9999999-dev`; any non-numeric name -> `dev-<name>`. */
export function normalizeBranch(name: string): string {
  const n = php.trim(name);
  const m = BRANCH_RE.exec(n);
  if (!m) return `dev-${n}`;
  let version = '';
  for (let i = 1; i < 5; i++) {
    const part = m[i];
    version += part === undefined ? '.x' : part.replace(/[*X]/g, 'x');
  }
  return `${version.replace(/x/g, '9999999')}-dev`;
}

/** Lowercases a stability name, keeping composer's `RC` spelling; does not validate it. */
export function normalizeStability(s: string): string {
  const lower = php.lower(s);
  return lower === 'rc' ? 'RC' : lower;
}

/** The stability composer gives a version string (normalized or not). */
export function parseStability(version: string): Stability {
  const v = version.replace(REF_SUFFIX_RE, '');
  if (v.startsWith('dev-') || v.slice(-4) === '-dev') return 'dev';
  const m = STABILITY_RE.exec(php.lower(v));
  if (!m) return 'stable';
  if (!php.empty(m[3])) return 'dev';
  switch (m[1]) {
    case 'beta':
    case 'b':
      return 'beta';
    case 'alpha':
    case 'a':
      return 'alpha';
    case 'rc':
      return 'RC';
    default:
      return 'stable';
  }
}

/** `2.1.x-dev` -> `2.1.`, `3-dev` -> `3.`; false when the branch is not numeric. */
export function parseNumericAliasPrefix(branch: string): string | false {
  const m = ALIAS_PREFIX_RE.exec(branch);
  return m ? `${m[1]}.` : false;
}

function expandStability(word: string): string {
  const lower = php.lower(word);
  switch (lower) {
    case 'a':
      return 'alpha';
    case 'b':
      return 'beta';
    case 'p':
    case 'pl':
      return 'patch';
    case 'rc':
      return 'RC';
    default:
      return lower;
  }
}

// ---------------------------------------------------------------------------------------------
// Constraints: composer/semver's parseConstraints reduced to "does it throw, and with what".
// Building the bounds cannot fail, so only its normalize() calls and error paths are ported,
// in composer's order.

const OR_SPLIT_RE = new RegExp(`${WS}*\\|\\|?${WS}*`);
const AND_SPLIT_RE = /(?<!^|as|[=>< ,]) *(?<!-)[, ](?!-) *(?!,|as|\n?$)/;
const CONSTRAINT_FLAG_RE = new RegExp(`^([^,\\t\\n\\v\\f\\r ]*?)@(${STABILITY_FLAGS})${END}`, 'i');
const REF_RE = new RegExp(`^(dev-[^,\\t\\n\\v\\f\\r @]+?|[^,\\t\\n\\v\\f\\r @]+?\\.x-dev)#${DOT}+${END}`, 'i');
const WILDCARD_RE = new RegExp(`^(v)?[xX*](\\.[xX*])*${END}`, 'i');
// groups: 1-4 numbers, 5 stability word, 6 its number, 7 dev suffix, 8 `.x-dev` wildcard
const VERSION = `v?(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?(?:\\.(\\d+))?(?:${MODIFIER}|\\.([xX*][.-]?dev))(?:\\+${NOT_WS}+)?`;
const TILDE_RE = new RegExp(`^~>?${VERSION}${END}`, 'i');
const CARET_RE = new RegExp(`^\\^${VERSION}${END}`, 'i');
const X_RANGE_RE = new RegExp(`^v?(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?(?:\\.[xX*])+${END}`);
const HYPHEN_RE = new RegExp(`^(${VERSION}) +- +(${VERSION})${END}`, 'i');
const COMPARATOR_RE = new RegExp(`^(<>|!=|>=?|<=?|==?)?${WS}*(${DOT}*)`);
const BRANCH_LIKE_RE = new RegExp(`^[0-9a-zA-Z\\-./]+${END}`);

/**
 * Null when composer's `VersionParser::parseConstraints()` accepts the constraint, else the
 * message it throws. composer's loader parses every link constraint and one failure makes the
 * whole version unloadable. `self.version` is not a constraint: see `validateLinkConstraint`.
 */
export function validateConstraint(constraint: string): string | null {
  try {
    for (const orPart of php.trim(constraint).split(OR_SPLIT_RE)) {
      for (const andPart of orPart.split(AND_SPLIT_RE)) checkConstraint(andPart);
    }
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A require/conflict/provide/replace value as composer's loader reads it for a version. */
export function validateLinkConstraint(constraint: string, prettyVersion: string): string | null {
  return validateConstraint(constraint === 'self.version' ? prettyVersion : constraint);
}

function checkConstraint(input: string): void {
  let c = input;
  const alias = ALIAS_RE.exec(c);
  if (alias) c = alias[1] ?? c;
  const flag = CONSTRAINT_FLAG_RE.exec(c);
  if (flag) c = flag[1] || '*';
  const ref = REF_RE.exec(c);
  if (ref) c = ref[1] ?? c;
  if (WILDCARD_RE.test(c)) return;

  const range = TILDE_RE.exec(c) ?? CARET_RE.exec(c);
  if (range) {
    if (c.startsWith('~>')) {
      throw new Error(`Could not parse version constraint ${c}: Invalid operator "~>", you probably meant to use the "~" operator`);
    }
    // the lower bound is the version itself, as -dev unless it names a stability
    const suffix = php.empty(range[5]) && php.empty(range[7]) && php.empty(range[8]) ? '-dev' : '';
    normalize((c + suffix).slice(1));
    return;
  }
  if (X_RANGE_RE.test(c)) return;
  const hyphen = HYPHEN_RE.exec(c);
  if (hyphen) {
    normalize(hyphen[1] ?? '');
    normalize(hyphen[10] ?? '');
    return;
  }

  const target = COMPARATOR_RE.exec(c)?.[2] ?? '';
  let error: Error;
  try {
    normalize(target);
    return;
  } catch (e) {
    error = e as Error;
    // `foo-dev` is read as `dev-foo` when it looks like a plain branch name
    if (target.slice(-4) === '-dev' && BRANCH_LIKE_RE.test(target)) {
      try {
        normalize(`dev-${target.slice(0, -4)}`);
        return;
      } catch (e2) {
        error = e2 as Error;
      }
    }
  }
  throw new Error(`Could not parse version constraint ${c}: ${error.message}`);
}

// ---------------------------------------------------------------------------------------------
// Tags and branches, as composer's VcsRepository reads them

export type RefSkipCode =
  | 'INVALID_TAG_NAME'
  | 'INVALID_MANIFEST_VERSION'
  | 'TAG_DEV_SUFFIX'
  | 'TAG_VERSION_MISMATCH'
  | 'INVALID_BRANCH_NAME';

export type RefVersion =
  | { ok: true; version: string; normalized: string }
  | { ok: false; code: RefSkipCode; reason: string };

/**
 * First step for a tag: drop every `release-` (composer replaces all occurrences, not only a
 * prefix) and normalize. Not final: `applyManifestVersion` decides, even without a manifest
 * version (it rejects `1.0-dev`-like tags), so most callers want `resolveTagVersion`.
 */
export function tagToVersion(tagName: string): RefVersion {
  const tag = tagName.split('release-').join('');
  try {
    return { ok: true, version: tag, normalized: normalize(tag) };
  } catch {
    return { ok: false, code: 'INVALID_TAG_NAME', reason: 'invalid tag name' };
  }
}

const TAG_DEV_PRETTY_RE = new RegExp(`[.-]?dev${END}`, 'gi');
const TAG_DEV_NORMALIZED_RE = new RegExp(`(^dev-|[.-]?dev${END})`, 'gi');
const TAG_IS_DEV_RE = new RegExp(`(^dev-|[.-]?dev${END})`, 'i');

/**
 * Second step for a tag: a `version` in the tag's composer.json wins but must normalize to the
 * same version as the tag; dev prefixes and suffixes are stripped from both before comparing.
 * `manifestVersion` null or undefined means composer.json has no version.
 */
export function applyManifestVersion(
  tag: { version: string; normalized: string },
  manifestVersion?: string | null,
): RefVersion {
  let version = tag.version;
  let normalized = tag.normalized;
  if (manifestVersion !== undefined && manifestVersion !== null) {
    try {
      normalized = normalize(manifestVersion);
    } catch (e) {
      return { ok: false, code: 'INVALID_MANIFEST_VERSION', reason: (e as Error).message };
    }
    version = manifestVersion;
  }
  version = version.replace(TAG_DEV_PRETTY_RE, '');
  normalized = normalized.replace(TAG_DEV_NORMALIZED_RE, '');
  if (normalized !== tag.normalized) {
    if (TAG_IS_DEV_RE.test(tag.normalized)) {
      return { ok: false, code: 'TAG_DEV_SUFFIX', reason: 'invalid tag name, tags can not use dev prefixes or suffixes' };
    }
    return {
      ok: false,
      code: 'TAG_VERSION_MISMATCH',
      reason: `tag (${tag.normalized}) does not match version (${normalized}) in composer.json`,
    };
  }
  return { ok: true, version, normalized };
}

/** A tag's final version: `tagToVersion` then `applyManifestVersion`. */
export function resolveTagVersion(tagName: string, manifestVersion?: string | null): RefVersion {
  const tag = tagToVersion(tagName);
  return tag.ok ? applyManifestVersion(tag, manifestVersion) : tag;
}

/**
 * A branch's version: numeric branches become `1.2.x-dev` (keeping a leading `v`), others
 * `dev-<name>` with `#` turned into `+`. Names whose normalized form is not a valid constraint
 * (spaces, `|`, `,` ...) are skipped, as composer does.
 */
export function branchToVersion(branchName: string): RefVersion {
  const parsed = normalizeBranch(branchName);
  if (validateConstraint(parsed) !== null) {
    return { ok: false, code: 'INVALID_BRANCH_NAME', reason: 'invalid name' };
  }
  if (parsed.startsWith('dev-') || parsed === DEFAULT_BRANCH_ALIAS) {
    return { ok: true, version: `dev-${branchName.replaceAll('#', '+')}`, normalized: parsed.replaceAll('#', '+') };
  }
  const prefix = branchName.startsWith('v') ? 'v' : '';
  return { ok: true, version: prefix + parsed.replace(/(\.9{7})+/g, '.x'), normalized: parsed };
}

// ---------------------------------------------------------------------------------------------
// PHP string semantics the port depends on (PHP 8.2: byte-wise, ASCII-only case mapping)

const php = {
  /** trim(): only " \t\n\r\0\x0B", not \f or Unicode spaces like String#trim. */
  trim(s: string): string {
    return s.replace(/^[ \t\n\r\0\v]+|[ \t\n\r\0\v]+$/g, '');
  },
  ltrim(s: string, chars: string): string {
    let i = 0;
    while (i < s.length && chars.includes(s.charAt(i))) i++;
    return s.slice(i);
  },
  /** strtolower(): ASCII only (String#toLowerCase would map `İ` to `i̇`). */
  lower(s: string): string {
    return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  },
  /** empty(): unset, '' and '0' are all empty. */
  empty(s: string | undefined): boolean {
    return s === undefined || s === '' || s === '0';
  },
  /** preg_quote() for a JS RegExp (no `u` flag, so escaping any punctuation is safe). */
  quote(s: string): string {
    return s.replace(/[\\^$.*+?()[\]{}|\-/#]/g, '\\$&');
  },
};
