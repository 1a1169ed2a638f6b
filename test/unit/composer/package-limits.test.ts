// What one package may cost, as the scanner applies it (pure): oversized composer.json files
// (never read, or cached under a larger limit), refs past refs_per_package in composer's order
// with the default branch first, and the published-metadata budget; each skip with its reason.
import t from 'tap';
import { commitsToRead, scanRefs } from '../../../src/composer/scan.js';
import { formatBytes, type PackageLimits } from '../../../src/composer/package-limits.js';
import type { RemoteState } from '../../../src/vcs/types.js';

const limits: PackageLimits = { composerJsonBytes: 1024, packageMetadataBytes: 2000, refsPerPackage: 4 };
const manifest = (pad = 0) => Buffer.from(JSON.stringify({ name: 'acme/a', description: 'd'.repeat(pad) }));

t.test('sizes in messages', async (t) => {
  t.equal(formatBytes(512 * 1024), '512 KiB');
  t.equal(formatBytes(10 * 1024 * 1024), '10 MiB');
  t.equal(formatBytes(3_200_000), '3.1 MiB');
  t.equal(formatBytes(900), '900 bytes');
});

t.test('limits skip refs with reasons; the default branch is always read', async (t) => {
  const remote: RemoteState = {
    defaultBranch: 'main',
    refs: [
      { kind: 'tag', name: 'v1.0.0', commit: 'c1' },
      { kind: 'tag', name: 'v1.1.0', commit: 'c2' },
      { kind: 'tag', name: 'v1.2.0', commit: 'c3' },
      { kind: 'tag', name: 'v1.3.0', commit: 'c4' },
      { kind: 'branch', name: 'feature', commit: 'c5' },
      { kind: 'branch', name: 'main', commit: 'c6' },
    ],
  };
  t.same(commitsToRead(remote, new Set(), limits).sort(), ['c1', 'c2', 'c3', 'c6'], 'only refs within refs_per_package are read');
  const manifests = new Map<string, Buffer | null>([
    ['c1', manifest(900)],
    ['c3', manifest(3000)], // cached when the limit was larger
    ['c6', manifest()],
  ]);
  const r = scanRefs({ remote, manifests, times: new Map(), oversized: new Map([['c2', 5 * 1024 * 1024]]), limits });
  if (!r.ok) throw new Error(r.error);
  t.same(r.versions.map((v) => v.version), ['v1.0.0', 'dev-main']);
  t.same(Object.fromEntries(r.refs.filter((x) => x.skipReason !== null).map((x) => [x.name, x.skipReason])), {
    'v1.1.0': 'composer.json is 5 MiB, over limits.composer_json_bytes (1 KiB)',
    'v1.2.0': `composer.json is ${formatBytes(manifest(3000).length)}, over limits.composer_json_bytes (1 KiB)`,
    'v1.3.0': 'past limits.refs_per_package (4 refs are read per package)',
    feature: 'past limits.refs_per_package (4 refs are read per package)',
  });

  const tight = scanRefs({ remote, manifests, times: new Map(), limits: { ...limits, packageMetadataBytes: 950 } });
  if (!tight.ok) throw new Error(tight.error);
  t.equal(tight.refs.find((x) => x.name === 'v1.0.0')?.skipReason, "the package's published composer.json files would exceed limits.package_metadata_bytes (950 bytes)");
  t.equal(tight.refs.find((x) => x.name === 'main')?.skipReason, null, "the default branch's share is set aside first");

  const rootTooBig = scanRefs({ remote, manifests, times: new Map(), oversized: new Map([['c6', 2048]]), limits });
  t.same(rootTooBig, { ok: false, error: 'the default branch "main": composer.json is 2 KiB, over limits.composer_json_bytes (1 KiB); the package name is taken from it' });
});
