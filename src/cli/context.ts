// What every CLI command shares: load the config once, compose the dependencies (the same
// database as the server, migrated), report errors as one line on stderr with exit code 1.
import pino from 'pino';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { compose, type Deps } from '../compose.js';
import { forgeFactoryWith, type ForgeBackoff } from '../sync/forges.js';
import { loggerOptions } from '../log.js';
import { isAppError } from '../domain/errors.js';

export interface GlobalOptions {
  config?: string;
}

export function configFile(opts: GlobalOptions): string | undefined {
  return opts.config ?? (process.env.PACKYARD_CONFIG || undefined);
}

export function readConfig(opts: GlobalOptions): Config {
  return loadConfig({ file: configFile(opts) });
}

/** Composes for a one-shot command: logs go to stderr, warnings and worse only. */
export function openForCommand(opts: GlobalOptions): Deps {
  const config = readConfig(opts);
  const level = process.env.PACKYARD_CLI_LOG_LEVEL ?? 'warn';
  const log = pino(loggerOptions(level), pino.destination(2));
  const backoff = testForgeBackoff(process.env.PACKYARD_TEST_FORGE_BACKOFF_MS);
  return compose(config, { log, processMetrics: false, ...(backoff ? { forgeFactory: forgeFactoryWith(backoff) } : {}) });
}

/**
 * Tests only: PACKYARD_TEST_FORGE_BACKOFF_MS (an integer 1..1000) sets the forge HTTP client's
 * retry backoff base and cap, so a test of a failing forge does not wait out the real backoff
 * (500 ms doubling) between its retries; the number of retries is unchanged. Unset or anything
 * else: the client's defaults.
 */
export function testForgeBackoff(value: string | undefined): ForgeBackoff | undefined {
  if (value === undefined || !/^\d{1,4}$/.test(value)) return undefined;
  const ms = Number(value);
  return ms >= 1 && ms <= 1000 ? { backoffBaseMs: ms, backoffMaxMs: ms * 4 } : undefined;
}

export async function withDeps<T>(opts: GlobalOptions, fn: (deps: Deps) => Promise<T> | T): Promise<T> {
  const deps = openForCommand(opts);
  try {
    return await fn(deps);
  } finally {
    deps.close();
  }
}

export function fail(e: unknown): never {
  const msg = isAppError(e) || e instanceof Error ? e.message : String(e);
  process.stderr.write(`packyard: ${msg}\n`);
  process.exit(isAppError(e) && e.code === 'CONFIG_INVALID' ? 78 : 1);
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('expected the secret on standard input (pipe it in)');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export const actor = (): string => `cli:${process.env.SUDO_USER ?? process.env.USER ?? 'unknown'}`;
