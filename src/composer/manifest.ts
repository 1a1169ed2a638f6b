// Reads a composer.json from a repository ref and checks it before anything is published:
// composer rejects a whole p2 file when one of its entries fails to load, so a bad manifest
// must stop at this gate with a short reason (what and where) shown to the user.

import { isJsonObject, lineAndColumn, parseJsonText, type JsonObject } from './json.js';
import { checkManifestFields, describe, versionDependentProblem } from './manifest-fields.js';

// One import path for callers: the entry builder and field helpers live in sibling files.
export { MANIFEST_FIELDS, LINK_FIELDS, normalizeTime, formatTime, isDevVersion, publishedName, versionDependentProblem } from './manifest-fields.js';
export type { ManifestField, LinkField } from './manifest-fields.js';
export { buildVersionEntry, PUBLISHED_FIELDS } from './version-entry.js';
export type { DistRef, PublishedField, SourceRef, VersionEntryInput, VersionEntryResult } from './version-entry.js';

export type Manifest = {
  /** "name" as written (not lowercased); the default branch's name names every version. */
  readonly name: string | undefined;
  /** "version" as written; a tag must match it (composer's VcsRepository rule). */
  readonly version: string | undefined;
  /** The checked, publishable fields, in packagist.org's order (see MANIFEST_FIELDS). */
  readonly fields: Readonly<JsonObject>;
  /** Values ignored as composer ignores them: shown to the user, never fatal. */
  readonly warnings: readonly string[];
};

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; reason: string };

// The keys composer would use from composer.json but Packyard always sets itself.
const OVERRIDDEN = ['source', 'dist'] as const;

/** Parses and checks composer.json bytes (or text) read from one ref. */
export function parseManifest(bytes: Buffer | string): ManifestResult {
  let text: string;
  if (typeof bytes === 'string') {
    text = bytes;
  } else {
    const bad = firstInvalidUtf8(bytes);
    if (bad !== -1) {
      // json_decode refuses malformed UTF-8 as a whole, and so does composer
      const { line, column } = lineAndColumnOfByte(bytes, bad);
      return { ok: false, reason: `composer.json is not valid UTF-8: bad byte 0x${(bytes[bad] ?? 0).toString(16)} at line ${line}, column ${column}` };
    }
    text = bytes.toString('utf8');
  }
  if (text.length === 0) return { ok: false, reason: 'composer.json is empty' };

  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    return { ok: false, reason: `composer.json is not valid JSON: ${parsed.message} at line ${parsed.line}, column ${parsed.column}` };
  }
  const data = parsed.value;
  if (!isJsonObject(data)) {
    const what = Array.isArray(data) ? 'a list' : data === null ? 'null' : `a ${typeof data}`;
    return { ok: false, reason: `composer.json must contain a JSON object, not ${what}` };
  }
  // composer's drivers treat an empty composer.json as no composer.json at all
  if (Object.keys(data).length === 0) return { ok: false, reason: 'composer.json is an empty object' };

  const name = data['name'];
  if (name !== undefined && name !== null && typeof name !== 'string') {
    return { ok: false, reason: `"name" must be a string, not ${describe(name)}` };
  }
  const version = data['version'];
  if (version !== undefined && version !== null && typeof version !== 'string') {
    // composer normalizes it with string-typed functions: anything else breaks the tag
    return { ok: false, reason: `"version" must be a string, not ${describe(version)}` };
  }

  const checked = checkManifestFields(data);
  if (!checked.ok) return checked;
  const warnings = [...checked.warnings];
  for (const key of OVERRIDDEN) {
    if (data[key] !== undefined) warnings.push(`"${key}" ignored: Packyard publishes its own ${key}`);
  }
  return {
    ok: true,
    manifest: { name: name ?? undefined, version: version ?? undefined, fields: checked.fields, warnings },
  };
}

export type FieldsResult = { ok: true; data: JsonObject } | { ok: false; reason: string };

/**
 * The manifest's publishable fields as a fresh object the caller may change. With `version`
 * (the pretty version the entry will carry), also runs the checks that depend on it; the
 * same checks run again in buildVersionEntry, the last gate.
 */
export function publishedFields(manifest: Manifest, version?: string): FieldsResult {
  const data: JsonObject = { ...manifest.fields };
  if (version !== undefined) {
    const problem = versionDependentProblem(data, version);
    if (problem !== null) return { ok: false, reason: problem };
  }
  return { ok: true, data };
}

/** Byte offset of the first byte that is not well-formed UTF-8 (RFC 3629), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) min = 0xa0; // overlong
      if (b === 0xed) max = 0x9f; // UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) min = 0x90; // overlong
      if (b === 0xf4) max = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return -1;
}

function lineAndColumnOfByte(bytes: Buffer, offset: number): { line: number; column: number } {
  // the bytes before the bad one are valid UTF-8, so they decode to the same characters
  const before = bytes.subarray(0, offset).toString('utf8');
  return lineAndColumn(before, before.length);
}
