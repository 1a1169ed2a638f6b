// Reads packyard.yaml once at the entry point: ${VAR}, ${VAR:-default} and VAR_FILE secrets,
// embedded defaults, schema validation with every error listed by its YAML path, deep freeze.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { Value } from 'typebox/value';
import { Settings } from 'typebox/system';
import cron from 'node-cron';
import { Config, DEFAULTS, INTEGRATION_SCHEMAS, INTEGRATION_TYPES, ORG_SYNC_DEFAULTS, PLANNED_INTEGRATION_TYPES } from './schema.js';
import type { TSchema } from 'typebox';
import { AppError } from '../domain/errors.js';
import { validateOrgName } from '../domain/orgs.js';
import { parseCidr } from '../domain/cidr.js';

export interface LoadOptions {
  /** Config file path; when absent the embedded defaults are used. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Reads secret files named by VAR_FILE; injectable for tests. */
  readFile?: (path: string) => string;
}

export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
}

type Path = (string | number)[];

export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(root)' : out;
}

/** Throws AppError CONFIG_INVALID whose message lists every problem, one per line. */
export function configError(file: string | undefined, problems: ConfigProblem[]): AppError {
  const where = file ?? 'embedded defaults';
  const lines = problems.map((p) => `  ${p.path}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`);
  return new AppError('CONFIG_INVALID', `invalid configuration in ${where}:\n${lines.join('\n')}`, { file, problems });
}

const VAR_RE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function expandString(
  s: string,
  path: Path,
  env: NodeJS.ProcessEnv,
  readFile: (p: string) => string,
  problems: ConfigProblem[],
): string {
  return s.replace(VAR_RE, (match, name: string | undefined, def: string | undefined) => {
    if (match === '$$') return '$';
    const key = name as string;
    const direct = env[key];
    if (direct !== undefined) return direct;
    const fileVar = env[`${key}_FILE`];
    if (fileVar !== undefined) {
      try {
        return readFile(fileVar).trim();
      } catch (e) {
        problems.push({ path: formatPath(path), message: `cannot read ${key}_FILE (${fileVar}): ${(e as Error).message}` });
        return '';
      }
    }
    if (def !== undefined) return def;
    problems.push({ path: formatPath(path), message: `environment variable ${key} is not set (nor ${key}_FILE); use \${${key}:-default} for a default` });
    return '';
  });
}

interface ExpandContext {
  env: NodeJS.ProcessEnv;
  readFile: (p: string) => string;
  problems: ConfigProblem[];
}

function expandEnv(value: unknown, path: Path, ctx: ExpandContext): unknown {
  if (typeof value === 'string') return expandString(value, path, ctx.env, ctx.readFile, ctx.problems);
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, [...path, i], ctx));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, [...path, k], ctx);
    return out;
  }
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Defaults under values: objects merge key by key, everything else is replaced. */
function withDefaults(defaults: unknown, value: unknown): unknown {
  if (value === undefined) return structuredClone(defaults);
  if (isPlainObject(defaults) && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, d] of Object.entries(defaults)) out[k] = withDefaults(d, value[k]);
    for (const [k, v] of Object.entries(value)) if (!(k in defaults)) out[k] = v;
    return out;
  }
  return value;
}

/**
 * An integration's keys that its type's schema gives a `default` (Bitbucket Cloud's `url`), filled
 * in when left out; the schema then checks the result like any other value.
 */
function withIntegrationDefaults(integ: unknown): unknown {
  if (!isPlainObject(integ) || typeof integ.type !== 'string') return integ;
  const props = (INTEGRATION_SCHEMAS[integ.type] as { properties?: Record<string, { default?: unknown }> } | undefined)?.properties ?? {};
  const out: Record<string, unknown> = { ...integ };
  for (const [k, p] of Object.entries(props)) if (out[k] === undefined && p.default !== undefined) out[k] = structuredClone(p.default);
  return out;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

function pointerToPath(pointer: string): Path {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function lineOf(doc: Document | undefined, counter: LineCounter | undefined, path: Path): number | undefined {
  if (!doc || !counter) return undefined;
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Every schema error of `value` against `schema`, as paths below `base` and short messages. */
function errorsAgainst(schema: TSchema, value: unknown, base: Path, skip?: (path: Path) => boolean): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  // TypeBox buffers 8 errors by default (a guard for untrusted input); the config file is the
  // admin's own and every problem should be listed at once.
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: 1000 });
  let errors;
  try {
    errors = Value.Errors(schema, value);
  } finally {
    Settings.Set({ maxErrors: previous });
  }
  for (const err of errors) {
    const rel = pointerToPath(err.instancePath);
    if (skip?.(rel)) continue;
    const path = [...base, ...rel];
    if (err.keyword === 'boolean') continue; // reported once more as additionalProperties
    if (err.keyword === 'additionalProperties') {
      const extra = (err.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const key of extra) out.push({ path: [...path, key], message: 'unknown key' });
      continue;
    }
    if (err.keyword === 'required') {
      const missing = (err.params as { requiredProperties?: string[] }).requiredProperties ?? [];
      for (const key of missing) out.push({ path: [...path, key], message: 'required key is missing' });
      continue;
    }
    if (err.keyword === 'anyOf' || err.keyword === 'const') {
      const allowed = anyOfLiterals(schema, rel);
      out.push({ path, message: allowed ? `must be one of: ${allowed.join(', ')}` : err.message });
      continue;
    }
    out.push({ path, message: err.message });
  }
  return out;
}

/**
 * Each integration against the schema of its own `type` (a union's errors would name every
 * branch): a type that is not supported yet, or a key its type does not use, names its path.
 */
function integrationProblems(value: unknown): { path: Path; message: string }[] {
  if (!Array.isArray(value)) return [];
  const out: { path: Path; message: string }[] = [];
  const supported: readonly string[] = INTEGRATION_TYPES;
  const planned: readonly string[] = PLANNED_INTEGRATION_TYPES;
  value.forEach((integ: unknown, i) => {
    const at: Path = ['integrations', i];
    if (!isPlainObject(integ)) {
      out.push({ path: at, message: 'must be a mapping (id, type, url, …)' });
      return;
    }
    const type = integ.type;
    if (type === undefined) {
      out.push({ path: [...at, 'type'], message: 'required key is missing' });
      return;
    }
    if (typeof type === 'string' && planned.includes(type)) {
      out.push({ path: [...at, 'type'], message: `"${type}" is not supported yet (supported: ${supported.join(', ')})` });
      return;
    }
    const schema = typeof type === 'string' ? INTEGRATION_SCHEMAS[type] : undefined;
    if (!schema) {
      out.push({ path: [...at, 'type'], message: `must be one of: ${supported.join(', ')}` });
      return;
    }
    for (const p of errorsAgainst(schema, integ, at)) {
      out.push(p.message === 'unknown key' && p.path.length === at.length + 1 ? { ...p, message: `not a key of type ${type}` } : p);
    }
  });
  return out;
}

function schemaProblems(value: unknown): { path: Path; message: string }[] {
  // Items of `integrations` are checked by integrationProblems, against their type's schema.
  const out = errorsAgainst(Config, value, [], (rel) => rel[0] === 'integrations' && rel.length > 1);
  out.push(...integrationProblems(isPlainObject(value) ? value.integrations : undefined));
  // The union's branches also report "must be equal to constant": keep one message per path.
  const seen = new Set<string>();
  return out.filter((p) => {
    const k = formatPath(p.path);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function anyOfLiterals(root: TSchema, path: Path): string[] | undefined {
  let schema: unknown = root;
  for (const seg of path) {
    const s = schema as { properties?: Record<string, unknown>; items?: unknown };
    schema = typeof seg === 'number' ? s.items : s.properties?.[seg];
    if (!schema) return undefined;
  }
  const any = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (!any || !any.every((b) => typeof b.const === 'string')) return undefined;
  return any.map((b) => b.const as string);
}

/** Checks across keys; written defensively because it also runs when the schema found problems. */
function semanticProblems(cfg: Record<string, unknown>): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  const server = isPlainObject(cfg.server) ? cfg.server : {};
  if (typeof server.listen === 'string' && !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(server.listen)) {
    out.push({ path: ['server', 'listen'], message: `must be HOST:PORT, e.g. 0.0.0.0:8080 (got "${server.listen}")` });
  }
  const ids = new Set<string>();
  const credentialed = new Set<string>();
  const integrations = Array.isArray(cfg.integrations) ? cfg.integrations : [];
  integrations.forEach((integ: unknown, i) => {
    const id = isPlainObject(integ) ? integ.id : undefined;
    if (typeof id !== 'string') return;
    // A credential: a token, a GitHub App, or an OAuth consumer's client-credentials token.
    if (isPlainObject(integ) && (integ.token !== undefined || integ.app !== undefined || integ.oauth_client_credentials === true)) credentialed.add(id);
    if (isPlainObject(integ) && integ.token !== undefined && integ.app !== undefined) {
      out.push({ path: ['integrations', i, 'app'], message: 'set either token or app, not both' });
    }
    if (id === 'generic') out.push({ path: ['integrations', i, 'id'], message: '"generic" is reserved for the generic hook URL' });
    if (ids.has(id)) out.push({ path: ['integrations', i, 'id'], message: `duplicate integration id "${id}"` });
    ids.add(id);
  });
  const vcs = isPlainObject(cfg.vcs) ? cfg.vcs : {};
  if (Array.isArray(vcs.denied_networks)) {
    vcs.denied_networks.forEach((c: unknown, i) => {
      if (typeof c === 'string' && parseCidr(c) === null) {
        out.push({ path: ['vcs', 'denied_networks', i], message: `"${c}" is not a CIDR network (e.g. 10.0.0.0/8 or fd00::/8)` });
      }
    });
  }
  const hooks = isPlainObject(cfg.hooks) ? cfg.hooks : {};
  if (typeof hooks.sns_host_pattern === 'string') {
    try {
      new RegExp(hooks.sns_host_pattern);
    } catch (e) {
      out.push({ path: ['hooks', 'sns_host_pattern'], message: `is not a valid regular expression: ${(e as Error).message}` });
    }
  }
  const hk = isPlainObject(cfg.housekeeping) ? cfg.housekeeping : null;
  if (hk && typeof hk.schedule === 'string' && !cron.validate(hk.schedule)) {
    out.push({ path: ['housekeeping', 'schedule'], message: `"${hk.schedule}" is not a valid cron expression` });
  }
  const names = new Set<string>();
  const orgs = Array.isArray(cfg.organizations) ? cfg.organizations : [];
  orgs.forEach((org: unknown, i) => {
    if (!isPlainObject(org)) return;
    if (typeof org.name === 'string') {
      const bad = validateOrgName(org.name);
      if (bad) out.push({ path: ['organizations', i, 'name'], message: bad });
      if (names.has(org.name)) out.push({ path: ['organizations', i, 'name'], message: `duplicate organization "${org.name}"` });
      names.add(org.name);
    }
    const sync = isPlainObject(org.sync) ? org.sync : null;
    if (!sync) return;
    if (typeof sync.integration === 'string' && !ids.has(sync.integration)) {
      out.push({ path: ['organizations', i, 'sync', 'integration'], message: `no integration with id "${sync.integration}" is configured` });
    } else if (typeof sync.integration === 'string' && !credentialed.has(sync.integration)) {
      const at = integrations.findIndex((x: unknown) => isPlainObject(x) && x.id === sync.integration);
      out.push({
        path: ['integrations', at, 'token'],
        message: `integration "${sync.integration}" needs a credential (token, or app where its type takes one): organization "${String(org.name)}" syncs from it (organizations[${i}].sync.integration)`,
      });
    }
    if (typeof sync.schedule === 'string' && !cron.validate(sync.schedule)) {
      out.push({ path: ['organizations', i, 'sync', 'schedule'], message: `"${sync.schedule}" is not a valid cron expression` });
    }
  });
  return out;
}

/** Parses, expands, defaults and validates a configuration; throws AppError CONFIG_INVALID. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: ConfigProblem[] = [];
  let raw: unknown = {};
  let doc: Document | undefined;
  let counter: LineCounter | undefined;

  if (opts.file !== undefined) {
    let text: string;
    try {
      text = readFile(opts.file);
    } catch (e) {
      throw new AppError('CONFIG_INVALID', `cannot read config file ${opts.file}: ${(e as Error).message}`, { file: opts.file });
    }
    counter = new LineCounter();
    doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw configError(
        opts.file,
        doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] ?? e.message, line: e.linePos?.[0]?.line })),
      );
    }
    raw = doc.toJS() ?? {};
    if (!isPlainObject(raw)) throw configError(opts.file, [{ path: '(root)', message: 'the file must contain a mapping of keys' }]);
  }

  const expanded = expandEnv(raw, [], { env, readFile, problems }) as Record<string, unknown>;
  if (problems.length > 0) {
    throw configError(opts.file, problems.map((p) => ({ ...p, line: lineOf(doc, counter, parsePathForLine(p.path)) })));
  }
  const merged = withDefaults(DEFAULTS, expanded) as Record<string, unknown>;
  if (Array.isArray(merged.integrations)) merged.integrations = merged.integrations.map(withIntegrationDefaults);
  if (Array.isArray(merged.organizations)) {
    merged.organizations = merged.organizations.map((o: unknown) =>
      isPlainObject(o) && isPlainObject(o.sync) ? { ...o, sync: withDefaults(ORG_SYNC_DEFAULTS, o.sync) } : o,
    );
  }

  const found = schemaProblems(merged);
  const taken = new Set(found.map((p) => formatPath(p.path)));
  for (const p of semanticProblems(merged)) if (!taken.has(formatPath(p.path))) found.push(p);
  if (found.length > 0) {
    throw configError(
      opts.file,
      found.map((p) => ({ path: formatPath(p.path), message: p.message, line: lineOf(doc, counter, p.path) })),
    );
  }

  const cfg = merged as Config;
  cfg.server.public_url = cfg.server.public_url.replace(/\/+$/, '');
  cfg.data_dir = resolve(cfg.data_dir);
  return deepFreeze(cfg);
}

function parsePathForLine(p: string): Path {
  const out: Path = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}
