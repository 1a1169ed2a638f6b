// Shared pieces of the benchmark suite: cleanup in reverse order (the `teardown(fn)` the test
// helpers expect), timed child processes, medians, free ports and a machine description.
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';

/** Collects cleanups and runs them newest first; passed to startPackyard as its `t`. */
export class Teardowns {
  private readonly fns: Array<() => unknown> = [];

  teardown(fn: () => unknown): void {
    this.fns.push(fn);
  }

  async run(): Promise<void> {
    // Every cleanup runs even when an earlier one fails: no server may outlive the run.
    while (this.fns.length > 0) {
      const fn = this.fns.pop() as () => unknown;
      try {
        await fn();
      } catch (e) {
        process.stderr.write(`bench: cleanup failed: ${(e as Error).message}\n`);
      }
    }
  }
}

export interface Timed {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, milliseconds. */
  ms: number;
}

/** Runs a command to its end with a hard timeout and measures its wall time. */
export function runTimed(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; stdin?: string } = {},
): Promise<Timed> {
  return new Promise((done) => {
    const started = process.hrtime.bigint();
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 180_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        done({ code, stdout, stderr, ms });
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.stdin ?? '');
  });
}

/** Throws with the command's stderr when it did not exit 0 (setup steps must not fail silently). */
export function ok(r: Timed, what: string): Timed {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

/** The p-th percentile (nearest rank) of `xs`. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

/** Polls `versions` every 5 ms (at most 15 s) until `tag` is listed; throws when it never is. */
export async function waitUntilListed(versions: () => Promise<string[]>, tag: string): Promise<void> {
  for (let j = 0; j < 3000; j++) {
    if ((await versions()).includes(tag)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${tag} never appeared in p2`);
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function firstLine(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const text = `${stdout}${stderr}`.trim().split('\n')[0] ?? '';
      resolve(err && text === '' ? 'unavailable' : text);
    });
  });
}

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  composer: string;
  php: string;
  git: string;
  nginx: string;
  wrk: string;
}

export async function describeMachine(): Promise<Machine> {
  const [composer, php, git, nginx, wrk] = await Promise.all([
    firstLine('composer', ['--version', '--no-ansi']),
    firstLine('php', ['--version']),
    firstLine('git', ['--version']),
    firstLine('nginx', ['-v']),
    firstLine('wrk', ['--version']),
  ]);
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    composer: composer.replace(/^Composer version /, ''),
    php: php.replace(/ \(cli\).*$/, ''),
    git: git.replace(/^git version /, ''),
    nginx: nginx.replace(/^nginx version: /, ''),
    wrk: wrk.replace(/ Copyright.*$/, ''),
  };
}

/** Spawns a long-running server process and returns a stopper that waits for its exit. */
export function spawnServer(cmd: string, args: string[], opts: { cwd?: string } = {}): { pid: number; stop(signal?: NodeJS.Signals): Promise<void>; exited(): boolean; output(): string } {
  const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  let exited = false;
  const gone = new Promise<void>((r) => child.once('exit', () => { exited = true; r(); }));
  return {
    pid: child.pid ?? -1,
    exited: () => exited,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (exited) return;
      child.kill(signal);
      // A server that ignores the polite signal is killed after 5 s, by its own pid only.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

export const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
export const fmtRatio = (r: number): string => (r >= 10 ? `${r.toFixed(1)}×` : r >= 0.1 ? `${r.toFixed(2)}×` : `${r.toFixed(3)}×`);
