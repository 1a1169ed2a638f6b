// Builds the CLI the way users run it (`npm run build` → node dist/src/cli/main.js) into a temp
// directory laid out like the checkout, so the timed CLI is the compiled one and not tsx from
// source (tsx alone adds ~1.3 s of start-up per command on these machines). The checkout's own
// dist/ is left alone: other people may be using it.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
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
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: ROOT, outDir: join(dir, 'dist'), sourceMap: false, incremental: false },
      include: [join(ROOT, 'src', '**', '*.ts')],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await runTimed(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: ROOT, timeoutMs: 300_000 });
  const main = join(dir, 'dist', 'src', 'cli', 'main.js');
  // tsc still emits on type errors (someone may be mid-edit in src/); only a missing output is fatal.
  if (!existsSync(main)) throw new Error(`tsc produced no CLI: ${r.stdout}${r.stderr}`);
  if (r.code !== 0) process.stderr.write(`bench: warning: tsc reported errors, timing the emitted JS anyway:\n${r.stdout.slice(0, 2000)}\n`);
  return {
    dir,
    main,
    buildMs: r.ms,
    run: (configFile, args, opts = {}) =>
      runTimed(process.execPath, [main, '--config', configFile, ...args], { cwd: ROOT, stdin: opts.stdin, timeoutMs: 300_000 }),
  };
}
