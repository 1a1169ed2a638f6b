// What every forge's factory takes besides its configuration (the same for all forges: the
// registry passes one set), the reading of an integration's ca_file, and the check of a forge
// answer against its TypeBox schema that names the first field that does not fit.
import { readFileSync } from 'node:fs';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { Logger } from '../log.js';
import type { EtagStore, ForgeHttpOptions, ForgeMetricsHook } from './http.js';
import { ForgeError } from './types.js';

export interface ForgeBuildDeps {
  log?: Logger;
  metrics?: ForgeMetricsHook;
  /** ETag cache (default: in-memory LRU per integration; null: none). A forge may not use it. */
  etagStore?: EtagStore | null;
  /** Reads ca_file (injectable for tests). */
  readFile?: (path: string) => string;
  /** Client tuning (timeouts, retries, backoff, rate-limit cap, page cap, sleep): tests pass small values. */
  http?: Partial<Omit<ForgeHttpOptions, 'integration' | 'baseUrl' | 'token' | 'ca' | 'headers' | 'metrics' | 'log' | 'etagStore'>>;
  now?: () => number;
}

/** The PEM of an integration's ca_file (read once, when its forge is built), or undefined without one. */
export function readCaFile(config: { id: string; ca_file?: string | undefined }, deps: Pick<ForgeBuildDeps, 'readFile'> = {}): string | undefined {
  if (!config.ca_file) return undefined;
  try {
    return (deps.readFile ?? ((p) => readFileSync(p, 'utf8')))(config.ca_file);
  } catch (e) {
    throw new ForgeError('invalid', `forge ${config.id}: cannot read ca_file ${config.ca_file}: ${(e as Error).message}`, { integration: config.id });
  }
}

/** The first problem of `value` against `schema` as "field: message", or null when it fits. */
export function firstProblem(schema: TSchema, value: unknown): string | null {
  if (Value.Check(schema, value)) return null;
  for (const e of Value.Errors(schema, value)) {
    const field = e.instancePath === '' ? '(body)' : e.instancePath.slice(1).replace(/\//g, '.');
    const params = e.params as { requiredProperties?: string[] };
    if (e.keyword === 'required' && params.requiredProperties?.length) {
      return `${e.instancePath === '' ? '' : `${field}.`}${params.requiredProperties[0]}: required`;
    }
    return `${field}: ${e.message}`;
  }
  return '(body): invalid';
}
