// Runs one VCS subprocess the house way: argument array, explicit environment, stdin from a
// buffer, stdout collected as bytes, bounded stderr, and a timeout that kills the process tree.

import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string | undefined;
  /** The complete environment of the child; never a copy of process.env. */
  env: Record<string, string>;
  timeoutMs: number;
  stdin?: string | Buffer | undefined;
  /** Aborting kills the process tree, like a timeout (a stopping server gives up its job). */
  signal?: AbortSignal | undefined;
}

export type RunResult =
  | { outcome: 'exited'; code: number; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }
  | { outcome: 'timeout'; stdout: Buffer; stderr: string }
  | { outcome: 'spawn-failed'; error: Error };

// Enough of stderr to classify the failure; git's progress output can be long.
const STDERR_LIMIT = 64 * 1024;

/** Runs `command args` and resolves with what happened; it never rejects. */
export function runProcess(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    // detached: the child leads its own process group, so a timeout can kill git together with
    // the helpers it starts (ssh, git-remote-http, credential helpers).
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    let settled = false;

    const killTree = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, opts.timeoutMs);
    const onAbort = (): void => {
      timedOut = true;
      killTree();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > STDERR_LIMIT * 2) stderr = stderr.slice(-STDERR_LIMIT);
    });
    // The child may exit before reading all of stdin (for example on a bad argument).
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');

    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      done();
      resolve({ outcome: 'spawn-failed', error });
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      done();
      const out = Buffer.concat(stdout);
      const err = stderr.slice(-STDERR_LIMIT);
      if (timedOut) resolve({ outcome: 'timeout', stdout: out, stderr: err });
      else resolve({ outcome: 'exited', code: code ?? -1, signal, stdout: out, stderr: err });
    });
  });
}
