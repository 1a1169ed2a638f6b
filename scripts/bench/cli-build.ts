// Builds the CLI the way users run it (`npm run build` → node dist/packyard.mjs) into a temp
// directory laid out like the checkout, so the timed CLI is the compiled one and not tsx from
// source (tsx alone adds ~1.3 s of start-up per command on these machines). The checkout's own
// dist/ is left alone: other people may be using it.
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTimed, type Timed } from './lib.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface BuiltCli {
  dir: string;
  main: string;
  buildMs: number;
  /** Runs `packyard --config CONFIG ARGS` with the compiled CLI and times it (spawn to exit). */
  run(configFile: string, args: string[], opts?: { stdin?: string }): Promise<Timed>;
}

export async function buildCli(): Promise<BuiltCli> {
  const dir = mkdtempSync(join(tmpdir(), 'pky-bench-build-'));
  // packageRoot() finds the folder whose package.json is named packyard and reads the
  // migrations from its src/db/migrations; node resolves dependencies from node_modules above.
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'src', 'db'), { recursive: true });
  symlinkSync(join(ROOT, 'src', 'db', 'migrations'), join(dir, 'src', 'db', 'migrations'));
  const main = join(dir, 'dist', 'packyard.mjs');
  const started = performance.now();
  // The same bundle `npm run build` makes (scripts/build.mjs), written into the temp layout.
  const { bundleCli } = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as { bundleCli: (out: string) => Promise<void> };
  await bundleCli(main);
  const r = { ms: performance.now() - started };
  return {
    dir,
    main,
    buildMs: r.ms,
    run: (configFile, args, opts = {}) =>
      runTimed(process.execPath, [main, '--config', configFile, ...args], { cwd: ROOT, stdin: opts.stdin, timeoutMs: 300_000 }),
  };
}
