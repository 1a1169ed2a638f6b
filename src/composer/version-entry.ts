// Builds one published version entry (a p2 list item) from checked manifest fields plus what
// Packyard decides itself (name, version, source, dist, time, flags), in packagist.org's field
// order, re-checking everything composer would refuse to load: this is the last gate.

import { validatePackageName } from '../domain/names.js';
import { type JsonObject, type JsonValue } from './json.js';
import { checkManifestFields, formatTime, MANIFEST_FIELDS, normalizeTime, publishedName, versionDependentProblem } from './manifest-fields.js';
import { UNSET_MARKER } from './minify.js';

/**
 * Every field Packyard publishes, in the order packagist.org writes them (composer/packagist
 * Version::toArray; "published-time" left out, the client ignores it). The order only matters
 * for the size of minified files, but a stable one keeps output bytes stable.
 */
export const PUBLISHED_FIELDS = [
  'name', 'description', 'keywords', 'homepage', 'version', 'version_normalized', 'license', 'authors', 'source',
  'dist', 'type', 'support', 'php-ext', 'funding', 'time', 'autoload', 'extra', 'target-dir', 'include-path', 'bin',
  'default-branch', 'require', 'require-dev', 'suggest', 'conflict', 'provide', 'replace', 'abandoned',
] as const;
export type PublishedField = (typeof PUBLISHED_FIELDS)[number];

export type SourceRef = { type: string; url: string; reference: string };
export type DistRef = { type: string; url: string; reference?: string; shasum?: string };

export type VersionEntryInput = {
  /** Lowercase package name, from the default branch's composer.json. */
  name: string;
  /** Pretty version ("v1.2.0", "dev-main", "2.x-dev") and its normalized form. */
  version: string;
  versionNormalized: string;
  source?: SourceRef | undefined;
  dist?: DistRef | undefined;
  /** Release date when the fields carry no usable "time" (the commit date). */
  time?: Date | string | null | undefined;
  /** Marks the default branch's dev version, so composer aliases it (9999999-dev). */
  defaultBranch?: boolean | undefined;
  /** Package-level abandonment; when given it replaces the manifest's own "abandoned". */
  abandoned?: boolean | string | undefined;
};

export type VersionEntryResult = { ok: true; entry: JsonObject } | { ok: false; reason: string };

// A value starting with "-" could be read as an option by git, hg or svn (composer 2.10
// ValidatingArrayLoader::validatePackage). JS \s is wider than PCRE's: stricter is fine.
const OPTION_LIKE = /^\s*-/;

function checkRef(kind: 'source' | 'dist', ref: Readonly<Record<string, unknown>>, required: readonly string[]): string | null {
  for (const key of ['type', 'url', 'reference', 'shasum']) {
    const value = ref[key];
    if (value === undefined && !required.includes(key)) continue;
    // ArrayLoader needs type and url (and a source reference) set; all are strings when they load
    if (typeof value !== 'string' || (required.includes(key) && value === '')) {
      return `${kind}.${key} must be a non-empty string`;
    }
    if ((key === 'url' || key === 'reference') && OPTION_LIKE.test(value)) {
      return `${kind}.${key} must not start with "-": ${value}`;
    }
  }
  return null;
}

function topLevelString(label: string, value: string): string | null {
  if (value === '') return `${label} must not be empty`;
  if (value === UNSET_MARKER) return `${label} must not be "${UNSET_MARKER}"`;
  return null;
}

/**
 * The published entry for one version, or why it must not be published. `fields` are the
 * manifest's checked fields (Manifest.fields, publishedFields().data, or stored copies of
 * them); they are checked again, so stored data from an older release cannot slip through.
 */
export function buildVersionEntry(fields: Readonly<JsonObject>, input: VersionEntryInput): VersionEntryResult {
  const { name, version, versionNormalized } = input;
  if (publishedName(name) !== name) return { ok: false, reason: `package name "${name}" must be lowercase` };
  const nameProblem = validatePackageName(name);
  if (nameProblem !== null) return { ok: false, reason: `invalid package name: ${nameProblem}` };
  const identityProblem = topLevelString('version', version) ?? topLevelString('version_normalized', versionNormalized);
  if (identityProblem !== null) return { ok: false, reason: identityProblem };

  if (input.source === undefined && input.dist === undefined) return { ok: false, reason: 'a version needs a source or a dist' };
  const sourceProblem = input.source === undefined ? null : checkRef('source', input.source, ['type', 'url', 'reference']);
  if (sourceProblem !== null) return { ok: false, reason: sourceProblem };
  const distProblem = input.dist === undefined ? null : checkRef('dist', input.dist, ['type', 'url']);
  if (distProblem !== null) return { ok: false, reason: distProblem };

  const checked = checkManifestFields(fields);
  if (!checked.ok) return checked;
  const clean = checked.fields;
  const versionProblem = versionDependentProblem(clean, version);
  if (versionProblem !== null) return { ok: false, reason: versionProblem };

  const own: Partial<Record<PublishedField, JsonValue>> = {
    name,
    version,
    version_normalized: versionNormalized,
    type: clean['type'] ?? 'library', // packagist always writes the type
  };
  if (input.source !== undefined) own.source = { type: input.source.type, url: input.source.url, reference: input.source.reference };
  if (input.dist !== undefined) own.dist = refObject(input.dist);
  if (clean['time'] === undefined) {
    const time = fallbackTime(input.time);
    if (time !== null) own.time = time;
  }
  if (input.defaultBranch === true) own['default-branch'] = true;
  if (input.abandoned !== undefined) {
    // same reading as the manifest's own flag: "" is not abandoned, "__unset" cannot be published
    const a = input.abandoned;
    own.abandoned = a === false || a === '' ? undefined : a === UNSET_MARKER ? true : a;
  }

  const entry: JsonObject = {};
  for (const field of PUBLISHED_FIELDS) {
    const value = Object.hasOwn(own, field) ? own[field] : (MANIFEST_FIELDS as readonly string[]).includes(field) ? clean[field] : undefined;
    if (value !== undefined) entry[field] = value;
  }
  return { ok: true, entry };
}

function refObject(dist: DistRef): JsonObject {
  const out: JsonObject = { type: dist.type, url: dist.url };
  if (dist.reference !== undefined) out['reference'] = dist.reference;
  if (dist.shasum !== undefined) out['shasum'] = dist.shasum;
  return out;
}

function fallbackTime(time: Date | string | null | undefined): string | null {
  if (time === undefined || time === null) return null;
  if (typeof time === 'string') return normalizeTime(time);
  return Number.isNaN(time.getTime()) ? null : formatTime(time);
}
