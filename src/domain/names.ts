// Package name rules: what composer's ValidatingArrayLoader accepts as a `vendor/package` name,
// with a reason a user can act on when a name is refused.

/**
 * composer's naming regex (ValidatingArrayLoader::hasPackageNamingError, composer 2.10), made
 * case-sensitive: composer matches case-insensitively and then refuses uppercase separately.
 * Its possessive `++`/`*+` become `(?![a-z0-9])`, so each repetition takes a whole word and a
 * long name cannot backtrack exponentially.
 */
export const PACKAGE_NAME_PATTERN =
  /^[a-z0-9](?:[_.-]?[a-z0-9]+(?![a-z0-9]))*\/[a-z0-9](?:(?:[_.]|-{1,2})?[a-z0-9]+(?![a-z0-9]))*$/;

/** Names Windows cannot use as a file or directory, refused as vendor or package by composer. */
export const RESERVED_PACKAGE_NAMES = [
  'nul', 'con', 'prn', 'aux',
  'com1', 'com2', 'com3', 'com4', 'com5', 'com6', 'com7', 'com8', 'com9',
  'lpt1', 'lpt2', 'lpt3', 'lpt4', 'lpt5', 'lpt6', 'lpt7', 'lpt8', 'lpt9',
] as const;

const VENDOR_PATTERN = /^[a-z0-9](?:[_.-]?[a-z0-9]+(?![a-z0-9]))*$/;
const PACKAGE_PATTERN = /^[a-z0-9](?:(?:[_.]|-{1,2})?[a-z0-9]+(?![a-z0-9]))*$/;

/** True when composer accepts `name` as the name of a package (lowercase `vendor/package`). */
export function isValidPackageName(name: string): boolean {
  return validatePackageName(name) === null;
}

/** Null when `name` is a valid package name, else why not. Checks run in composer's order. */
export function validatePackageName(name: string): string | null {
  if (name === '') return 'the package name is empty; it should look like "vendor/package"';
  const parts = name.split('/');
  if (parts.length === 1) return `"${name}" has no vendor; a package name looks like "vendor/package"`;
  if (parts.length > 2) return `"${name}" has more than one "/"; a package name looks like "vendor/package"`;
  const [vendor = '', pkg = ''] = parts;
  const lower = asciiLower(name);
  const [lowerVendor = '', lowerPkg = ''] = lower.split('/');
  // composer's regex is case-insensitive: structure first, then reserved words, then case
  if (!PACKAGE_NAME_PATTERN.test(lower)) {
    if (vendor === '') return `"${name}" has an empty vendor name`;
    if (pkg === '') return `"${name}" has an empty package name`;
    const which = VENDOR_PATTERN.test(asciiLower(vendor)) ? `package name "${pkg}"` : `vendor name "${vendor}"`;
    return (
      `"${name}" is invalid: the ${which} must be lowercase letters and digits, in words joined by one ` +
      '"-", "." or "_" (the package name also allows "--"), starting and ending with a letter or digit'
    );
  }
  const reserved = RESERVED_PACKAGE_NAMES as readonly string[];
  if (reserved.includes(lowerVendor) || reserved.includes(lowerPkg)) {
    return `"${name}" is reserved: vendor and package names cannot be ${RESERVED_PACKAGE_NAMES.join(', ')}`;
  }
  if (name.endsWith('.json')) return `"${name}" is invalid: a package name cannot end in .json (try -json instead)`;
  if (/[A-Z]/.test(name)) return `"${name}" is invalid: it must be lowercase, for example "${suggestLowercase(name)}"`;
  return null;
}

/** composer's suggestion for a camel-cased name: `AcmeCorp/FooBar` -> `acme-corp/foo-bar`. */
function suggestLowercase(name: string): string {
  return name
    .replace(/([a-z])([A-Z])|([A-Z])([A-Z][a-z])/g, (_m, a = '', b = '', c = '', d = '') => `${a}${c}-${b}${d}`)
    .toLowerCase();
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
