// A loopback `git daemon` (the native git:// protocol, read-only, no auth) serving the bare
// repositories under one directory; stopped and its process reaped by close().
import { spawn, type ChildProcess } from 'node:child_process';
import { canConnect, freePort } from './net.js';

export interface GitDaemon {
  readonly port: number;
  /** git://127.0.0.1:PORT/<repoName> (relative to the base path). */
  url(repoName: string): string;
  close(): Promise<void>;
}



function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `git daemon --export-all` on 127.0.0.1:<free port> for the repositories under basePath. */
export async function startGitDaemon(basePath: string): Promise<GitDaemon> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      'git',
      ['daemon', '--reuseaddr', '--export-all', '--listen=127.0.0.1', `--port=${port}`, `--base-path=${basePath}`, basePath],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: basePath, GIT_CONFIG_NOSYSTEM: '1' } },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 10_000;
    let ready = false;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await canConnect(port)) {
        ready = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (ready) {
      return {
        port,
        url: (repoName) => `git://127.0.0.1:${port}/${repoName}`,
        close: async () => {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited(child);
          clearTimeout(timer);
        },
      };
    }
    child.kill('SIGKILL');
    await exited(child);
    if (!/Address already in use/.test(stderr) && attempt === 4) throw new Error(`git daemon did not start: ${stderr}`);
  }
  throw new Error('git daemon did not start after 5 attempts');
}
