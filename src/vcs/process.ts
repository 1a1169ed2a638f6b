// Runs one VCS subprocess the house way: argument array, explicit environment, stdin from a
// buffer, stdout collected as bytes, bounded stderr, and a timeout that kills the process tree.
// Every child leads its own process group, killed whole when it ends, times out or is aborted,
// when the server stops and when this process exits; on Linux the child also gets SIGKILL when
// this process dies without exiting (kill -9), through util-linux's setpriv --pdeathsig.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

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

// The process groups of the children still running. Process-wide by nature (they are this OS
// process's children), so that a stopping server and the 'exit' handler can kill them all.
const liveGroups = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/** Kills every VCS child process group still running (graceful stop; process exit). */
export function killChildGroups(): void {
  for (const pid of liveGroups) killGroup(pid);
  liveGroups.clear();
}
process.on('exit', killChildGroups);

// util-linux's setpriv (Debian: essential, so in every bookworm image): `--pdeathsig SIGKILL`
// makes the kernel kill the child when this process dies, even by SIGKILL. Its helpers (ssh,
// git-remote-http, index-pack) then lose their pipes and end too.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => process.platform === 'linux' && existsSync(p));

/** The command line that runs `command args`, tied to this process's life where the OS allows. */
export function tiedCommand(command: string, args: readonly string[]): [string, string[]] {
  return SETPRIV === undefined ? [command, [...args]] : [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]];
}

/** Runs `command args` and resolves with what happened; it never rejects. */
export function runProcess(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    // detached: the child leads its own process group, so a timeout can kill git together with
    // the helpers it starts (ssh, git-remote-http, credential helpers).
    const [file, argv] = tiedCommand(command, args);
    const child = spawn(file, argv, {
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
      if (child.pid !== undefined) killGroup(child.pid);
    };
    if (child.pid !== undefined) liveGroups.add(child.pid);
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
      if (child.pid !== undefined) liveGroups.delete(child.pid);
    };
    // When the leader exits, whatever it left in its group (a helper that kept running) goes too.
    child.once('exit', killTree);

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
      if (timedOut) {
        resolve({ outcome: 'timeout', stdout: out, stderr: err });
      } else if (file !== command && code === 127 && /^setpriv: failed to execute /.test(err)) {
        // The command itself could not be started (not installed): as if spawned directly.
        resolve({ outcome: 'spawn-failed', error: Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT' }) });
      } else {
        resolve({ outcome: 'exited', code: code ?? -1, signal, stdout: out, stderr: err });
      }
    });
  });
}
