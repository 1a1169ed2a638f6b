// Cross-check with composer itself (Debian's composer 2.5.5, the client used in tests): what
// we reject, composer's ArrayLoader::loadPackages throws on (so composer would fail the whole
// p2 file); what we accept or merely drop, it loads; and every entry we build loads.
// Not covered here, because 2.5.5 predates them: php-ext typing and 2.10's validatePackage
// ("-" prefixed URLs, ".." in bin); manifest.test.ts covers those.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { buildVersionEntry, parseManifest } from '../../../src/composer/manifest.js';
import type { JsonObject } from '../../../src/composer/json.js';

const COMPOSER_AUTOLOAD = '/usr/share/php/Composer/autoload.php';

// Loads each entry the way ComposerRepository does, with composer's error handler turning
// PHP warnings into exceptions; answers "ok" or the exception class and message.
const LOADER = `
require ${JSON.stringify(COMPOSER_AUTOLOAD)};
\\Composer\\Util\\ErrorHandler::register();
$loader = new \\Composer\\Package\\Loader\\ArrayLoader(null, false);
$out = [];
foreach (json_decode(stream_get_contents(STDIN), true) as $entry) {
    try {
        $loader->loadPackages([$entry]);
        $out[] = 'ok';
    } catch (\\Throwable $e) {
        $out[] = get_class($e) . ': ' . $e->getMessage();
    }
}
echo json_encode($out);
`;

const SHA = '0123456789abcdef0123456789abcdef01234567';
const DIST = { type: 'zip', url: `https://packyard.test/acme/dists/acme/foo/${SHA}.zip`, reference: SHA, shasum: '' };

// newerThan255: composer 2.10 ignores the value, but 2.5.5 still throws on it (we drop it)
type Case = { what: string; fields: JsonObject; version?: string; newerThan255?: true };

// We reject these; composer must throw on the raw data.
const REJECTED: Case[] = [
  { what: 'name not a string', fields: { name: ['acme/foo'] } },
  { what: 'type not a string', fields: { type: 1 } },
  { what: 'target-dir not a string', fields: { 'target-dir': true } },
  { what: 'autoload not an object', fields: { autoload: 'src/' } },
  { what: 'include-path not a list', fields: { 'include-path': 'lib/' } },
  { what: 'require a string', fields: { require: 'php >=8.1' } },
  { what: 'require a list', fields: { require: ['acme/bar'] } },
  { what: 'conflict an integer key', fields: { conflict: { 123: '*' } } },
  { what: 'provide a number constraint', fields: { provide: { 'acme/impl': 1 } } },
  { what: 'replace a null constraint', fields: { replace: { 'acme/old': null } } },
  { what: 'require an invalid constraint', fields: { require: { 'acme/bar': '~>1.0' } } },
  { what: 'require-dev an invalid constraint', fields: { 'require-dev': { 'acme/bar': 'latest' } } },
  { what: 'suggest a boolean reason', fields: { suggest: { 'ext-intl': true } } },
  { what: 'keywords with a nested list', fields: { keywords: ['a', ['b']] } },
  { what: 'bin with a number', fields: { bin: ['bin/tool', 3] } },
  { what: 'branch-alias target not a string', fields: { extra: { 'branch-alias': { 'dev-main': 2 } } }, version: 'dev-main' },
  { what: 'self.version on a version that is no constraint', fields: { replace: { 'acme/core': 'self.version' } }, version: 'dev-a b c' },
];

// We accept these (dropping or normalizing some values); composer loads the raw data too.
const ACCEPTED: Case[] = [
  { what: 'description not a string', fields: { description: ['x'] } },
  { what: 'homepage not a string', fields: { homepage: 1 } },
  { what: 'authors a string', fields: { authors: 'Jane' } },
  { what: 'support a string', fields: { support: 'https://x.test' }, newerThan255: true },
  { what: 'funding a string', fields: { funding: 'https://x.test' } },
  { what: 'extra a string', fields: { extra: 'x' } },
  { what: 'keywords a string', fields: { keywords: 'a, b' } },
  { what: 'keywords scalars', fields: { keywords: ['a', 1, true, null] } },
  { what: 'suggest a string', fields: { suggest: 'ext-intl' } },
  { what: 'time unreadable', fields: { time: 'last tuesday' } },
  { what: 'license a string', fields: { license: 'MIT' } },
  { what: 'empty values', fields: { require: {}, 'require-dev': [], autoload: {}, extra: {}, bin: [], suggest: {} } },
  { what: 'bin a string with a leading slash', fields: { bin: '/bin/tool' } },
  { what: 'branch-alias target not a string on a tag', fields: { extra: { 'branch-alias': { 'dev-main': 2 } } } },
  { what: 'self.version on a tag', fields: { replace: { 'acme/core': 'self.version' } } },
  { what: 'self.version on a branch', fields: { replace: { 'acme/core': 'self.version' } }, version: 'dev-main' },
  { what: 'a full manifest', fields: {
    description: 'Foo', keywords: ['foo'], homepage: 'https://x.test', license: ['MIT'], authors: [{ name: 'Jane' }],
    type: 'Library', support: { issues: 'https://x.test/i' }, funding: [{ type: 'github', url: 'https://x.test' }],
    time: '2024-01-02 03:04:05', autoload: { 'psr-4': { 'Acme\\': 'src/' } }, extra: { 'branch-alias': { 'dev-main': '1.x-dev' } },
    'target-dir': 'Acme/Foo', 'include-path': ['lib/'], bin: ['bin/foo'], require: { php: '>=8.1', 'acme/bar': '^1.0 || ^2.0' },
    'require-dev': { 'phpunit/phpunit': '^10' }, suggest: { 'ext-intl': 'i18n' }, conflict: { 'acme/bad': '<1.0' },
    provide: { 'psr/log-implementation': '1.0' }, replace: { 'acme/old': '*' }, abandoned: 'acme/bar',
  }, version: 'dev-main' },
];

function rawEntry(c: Case): JsonObject {
  const version = c.version ?? '1.2.0';
  // version_normalized given, so a version that is no constraint reaches the link checks
  return { name: 'acme/foo', version, version_normalized: version === '1.2.0' ? '1.2.0.0' : version, dist: DIST, ...c.fields };
}

function ourEntry(c: Case): { ok: true; entry: JsonObject } | { ok: false; reason: string } {
  const parsed = parseManifest(JSON.stringify(c.fields));
  if (!parsed.ok) return parsed;
  const version = c.version ?? '1.2.0';
  return buildVersionEntry(parsed.manifest.fields, {
    name: 'acme/foo', version, versionNormalized: version === '1.2.0' ? '1.2.0.0' : version, dist: DIST,
    defaultBranch: version === 'dev-main',
  });
}

function loadWithComposer(entries: JsonObject[]): string[] {
  const run = spawnSync('php', ['-r', LOADER], {
    input: JSON.stringify(entries),
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  if (run.error !== undefined || run.status !== 0) throw new Error(`php failed: ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

const php = spawnSync('php', ['-v'], { timeout: 10_000 });
if (php.error !== undefined || php.status !== 0 || !existsSync(COMPOSER_AUTOLOAD)) {
  t.fail('cannot cross-check with composer: install Debian\'s php-cli and composer (apt-get install php-cli composer)');
} else {
  const ours = [...REJECTED, ...ACCEPTED].map(ourEntry);
  const built = ours.flatMap((r) => (r.ok ? [r.entry] : []));
  const results = loadWithComposer([...REJECTED.map(rawEntry), ...ACCEPTED.map(rawEntry), ...built]);
  const rawRejected = results.slice(0, REJECTED.length);
  const rawAccepted = results.slice(REJECTED.length, REJECTED.length + ACCEPTED.length);
  const builtLoaded = results.slice(REJECTED.length + ACCEPTED.length);

  t.test('what we reject, composer cannot load', async (t) => {
    REJECTED.forEach((c, i) => {
      t.match(ours[i], { ok: false }, `${c.what}: rejected by us`);
      t.not(rawRejected[i], 'ok', `${c.what}: composer throws (${rawRejected[i]})`);
    });
  });

  t.test('what we accept, composer loads as written', async (t) => {
    ACCEPTED.forEach((c, i) => {
      t.match(ours[REJECTED.length + i], { ok: true }, `${c.what}: accepted by us`);
      if (c.newerThan255) t.not(rawAccepted[i], 'ok', `${c.what}: composer 2.5.5 throws, 2.10 ignores it`);
      else t.equal(rawAccepted[i], 'ok', `${c.what}: composer loads the raw data`);
    });
  });

  t.test('every entry we build loads in composer', async (t) => {
    t.equal(builtLoaded.length, ACCEPTED.length);
    builtLoaded.forEach((r, i) => t.equal(r, 'ok', JSON.stringify(built[i]).slice(0, 120)));
  });
}
