// Runs Debian's real composer client in an isolated home, cache and project directory, with
// packagist.org disabled (no network) and a bounded time per command.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ComposerRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ComposerProject {
  dir: string;
  home: string;
  run(args: string[], opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ComposerRun>;
  cleanup(): void;
}

export function composerEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    COMPOSER_HOME: join(home, 'composer'),
    COMPOSER_CACHE_DIR: join(home, 'cache'),
    COMPOSER_ALLOW_SUPERUSER: '1',
    COMPOSER_NO_INTERACTION: '1',
    COMPOSER_DISABLE_NETWORK: '0',
    COMPOSER_NO_AUDIT: '1',
    LANG: 'C',
  };
}

/** A fresh project: composer.json with the given content (packagist.org disabled). */
export function composerProject(composerJson: Record<string, unknown>): ComposerProject {
  const root = mkdtempSync(join(tmpdir(), 'pky-composer-'));
  const dir = join(root, 'project');
  const home = join(root, 'home');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(home, 'composer'), { recursive: true });
  const repos = (composerJson.repositories as unknown[] | undefined) ?? [];
  const json = { ...composerJson, repositories: [...repos, { 'packagist.org': false }], config: { 'secure-http': false, ...(composerJson.config as object | undefined) } };
  writeFileSync(join(dir, 'composer.json'), JSON.stringify(json, null, 2));
  return {
    dir,
    home,
    run(args, opts = {}) {
      return new Promise((done) => {
        execFile(
          'composer',
          [...args, '--no-interaction', '--no-ansi'],
          { cwd: dir, env: { ...composerEnv(home), ...opts.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
            done({ code, stdout, stderr });
          },
        );
      });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Writes auth.json http-basic for host:port with user "token". */
export function writeAuth(project: ComposerProject, hostPort: string, token: string): void {
  writeFileSync(join(project.dir, 'auth.json'), JSON.stringify({ 'http-basic': { [hostPort]: { username: 'token', password: token } } }));
}

/** Parses `composer show --all NAME` output: the versions line, as composer lists them. */
export function parseShowVersions(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => /^versions\s*:/.test(l));
  if (!line) return [];
  return line
    .replace(/^versions\s*:\s*/, '')
    .split(',')
    .map((v) => v.trim().replace(/^\* /, ''))
    .filter((v) => v !== '');
}
