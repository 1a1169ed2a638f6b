// Bundles the CLI and server into dist/packyard.mjs with esbuild. One file loads in ~0.2 s where
// the ~1,000 separate ESM modules of the dependencies took ~0.5 s on every CLI command
// (docs/benchmarks.md). Native modules stay external. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes the bundle to `outfile`; node resolves the external native modules from node_modules beside it. */
export async function bundleCli(outfile) {
  await build({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    external: ['better-sqlite3', 'ssh2', 'cpu-features'],
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __pkyCreateRequire } from 'node:module';\nconst require = __pkyCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
}

// `node scripts/build.mjs [OUTFILE]`: dist/packyard.mjs by default; tests bundle their own copy.
if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleCli(process.argv[2] ?? join(ROOT, 'dist', 'packyard.mjs'));
