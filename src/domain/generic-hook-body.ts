// What a body posted to a package's generic hook URL says, for the delivery log: any body queues
// the update, so nothing here can refuse one. A JSON object is looked at (other bodies are never
// parsed): an Azure DevOps service hook (`eventType` git.push, `resource.refUpdates[].name`,
// Services and Server alike), an EventBridge "CodeCommit Repository State Change" event sent
// straight to the URL (API destination), or a Packagist-style `{"repository":{"url":…}}`.
// Everything else (empty, form, XML, binary, malformed or unknown JSON) is a script's ping.
// Pure: no I/O; every list and string taken from the body is bounded.

export type GenericHookKind = 'script' | 'packagist' | 'azure-devops' | 'eventbridge';

export interface GenericHookBody {
  kind: GenericHookKind;
  /** The refs the body names (refs/heads/…, refs/tags/…), at most MAX_REFS. */
  refs: string[];
  /** The repository URL the body names (Packagist-style, Azure DevOps remoteUrl), bounded. */
  url?: string;
  /** The provider's event name (Azure DevOps eventType, EventBridge detail.event). */
  event?: string;
}

export const MAX_REFS = 100;
const MAX_REF = 256;
const MAX_URL = 2000;
const MAX_EVENT = 64;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);

function parseObject(body: Buffer): Obj | null {
  // Only what looks like a JSON object is parsed (a leading BOM or whitespace is allowed).
  let i = 0;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) i = 3;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d)) i++;
  if (body[i] !== 0x7b /* { */) return null;
  try {
    const v: unknown = JSON.parse(body.subarray(i).toString('utf8'));
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}

function azure(o: Obj): GenericHookBody | null {
  const event = str(o.eventType, MAX_EVENT);
  // Service hooks carry eventType and publisherId ("tfs" for code events).
  if (event === undefined || (o.publisherId === undefined && !isObj(o.resource))) return null;
  const resource = isObj(o.resource) ? o.resource : {};
  const refs: string[] = [];
  if (Array.isArray(resource.refUpdates)) {
    for (const u of resource.refUpdates.slice(0, MAX_REFS)) {
      const name = isObj(u) ? str(u.name, MAX_REF) : undefined;
      if (name !== undefined) refs.push(name);
    }
  }
  const repo = isObj(resource.repository) ? resource.repository : {};
  const url = str(repo.remoteUrl, MAX_URL);
  return { kind: 'azure-devops', refs, event, ...(url !== undefined ? { url } : {}) };
}

function eventBridge(o: Obj): GenericHookBody | null {
  if (o['detail-type'] !== 'CodeCommit Repository State Change' || !isObj(o.detail)) return null;
  const d = o.detail;
  const name = str(d.referenceName, MAX_REF);
  const prefix = d.referenceType === 'tag' ? 'refs/tags/' : d.referenceType === 'branch' ? 'refs/heads/' : '';
  const event = str(d.event, MAX_EVENT);
  return { kind: 'eventbridge', refs: name === undefined ? [] : [`${prefix}${name}`.slice(0, MAX_REF)], ...(event !== undefined ? { event } : {}) };
}

function packagist(o: Obj): GenericHookBody | null {
  const url = isObj(o.repository) ? str(o.repository.url, MAX_URL) : undefined;
  return url === undefined ? null : { kind: 'packagist', refs: [], url };
}

export function classifyHookBody(body: Buffer): GenericHookBody {
  const o = body.length === 0 ? null : parseObject(body);
  if (o === null) return { kind: 'script', refs: [] };
  return azure(o) ?? eventBridge(o) ?? packagist(o) ?? { kind: 'script', refs: [] };
}

/**
 * A repository URL reduced to host and path for comparison: no scheme, user, port-less default,
 * trailing slash or ".git"; scp-like `user@host:path` read as `host/path`; lowercase.
 */
export function repositoryKey(url: string): string {
  let s = url.trim();
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/)(.*)$/.exec(s);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) s = `${scp[1]}/${scp[2]}`;
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '');
  s = s.replace(/^([^/]+):(?:443|80|22)(?=\/|$)/, '$1');
  return s.replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '').toLowerCase();
}

/** Whether two repository URLs name the same repository (https, ssh and scp-like forms alike). */
export function sameRepository(a: string, b: string): boolean {
  return repositoryKey(a) === repositoryKey(b);
}
