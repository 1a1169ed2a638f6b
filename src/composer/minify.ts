// Port of composer/metadata-minifier (the "minified": "composer/2.0" p2 format): each version
// after the first keeps only the top-level keys that changed, and "__unset" marks removed keys.
//
// Values are compared the way PHP compares the json_decode'd arrays composer works on: with a
// strict, order-sensitive `!==`. In PHP `{}` and `[]` are both the empty array, and an object
// whose keys are "0".."n-1" in order is the same array as the list, so those compare equal here
// too; our output keeps whichever shape the input had (the first one seen), which the client
// reads identically. Limitation of the format itself: a real top-level value equal to the
// string "__unset" cannot be represented.

import { setJsonKey, type JsonObject, type JsonValue } from './json.js';

export const UNSET_MARKER = '__unset';

/**
 * PHP `$a === $b` for json_decode'd values: same type (int/float distinctions are lost in JS
 * numbers and cannot arise from JS-produced JSON), and for arrays the same keys with identical
 * values in the same order.
 */
export function phpIdentical(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  // Object.keys of a list gives "0".."n-1", which is how PHP keys it too; PHP turns the key
  // strings of decoded objects that look like integers into the same integer keys, so
  // comparing canonical key strings is exact.
  for (let i = 0; i < aKeys.length; i++) {
    const key = aKeys[i] as string;
    if (key !== bKeys[i]) return false;
    const av = (a as Record<string, JsonValue>)[key] as JsonValue;
    const bv = (b as Record<string, JsonValue>)[key] as JsonValue;
    if (!phpIdentical(av, bv)) return false;
  }
  return true;
}

/** PHP isset() on a decoded array entry: present and not null. */
function isSet(value: JsonValue | undefined): value is Exclude<JsonValue, null> {
  return value !== undefined && value !== null;
}

function toObject(entries: Map<string, JsonValue>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of entries) setJsonKey(out, key, value);
  return out;
}

/**
 * Minifies a list of version entries into diffs against the running previous entry.
 * Quirks kept from the PHP original, because composer's expand() relies on the same ones:
 * a null value is written and then overwritten by "__unset" (isset() treats null as absent),
 * and while the running entry is empty (first entry, or every key removed) the next entry is
 * written whole.
 */
export function minify(versions: readonly JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  // A Map keeps PHP's insertion order even for integer-like keys, which plain objects reorder.
  let last: Map<string, JsonValue> | null = null;
  for (const version of versions) {
    if (last === null || last.size === 0) {
      last = new Map(Object.entries(version));
      out.push({ ...version });
      continue;
    }
    const diff = new Map<string, JsonValue>();
    for (const [key, value] of Object.entries(version)) {
      const previous = last.get(key);
      if (!isSet(previous) || !phpIdentical(previous, value)) {
        diff.set(key, value);
        last.set(key, value);
      }
    }
    for (const key of [...last.keys()]) {
      if (!isSet(version[key])) {
        diff.set(key, UNSET_MARKER);
        last.delete(key);
      }
    }
    out.push(toObject(diff));
  }
  return out;
}

/**
 * Expands minified entries back to full entries. Nested values are shared with the input,
 * not copied; only the top level of each returned entry is a fresh object.
 */
export function expand(versions: readonly JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  let current: Map<string, JsonValue> | null = null;
  for (const version of versions) {
    if (current === null || current.size === 0) {
      // taken whole, "__unset" values included, exactly as the PHP original does
      current = new Map(Object.entries(version));
      out.push({ ...version });
      continue;
    }
    for (const [key, value] of Object.entries(version)) {
      if (value === UNSET_MARKER) current.delete(key);
      else current.set(key, value);
    }
    out.push(toObject(current));
  }
  return out;
}
