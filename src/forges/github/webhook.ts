// Installs or repairs the organization webhook that points at Packyard: one hook per org URL,
// with the events Packyard acts on, JSON content and TLS verification on. As the forge's
// ForgeWebhooks capability, GitHub always uses the org hook (scope 'source'); a failure (an
// unreachable forge, a token that may not manage org hooks) is the hook's state, never thrown.
import type { ForgeHttpClient, RequestOptions } from '../http.js';
import { isForgeError, type HookScope, type HookState } from '../types.js';
import { HookSchema, firstProblem, type GhHook } from './schemas.js';

export const HOOK_EVENTS = ['push', 'create', 'delete', 'release', 'repository', 'team', 'team_add', 'membership', 'member', 'organization'] as const;

export interface EnsureWebhookOptions {
  /** The secret may differ from the one the hook has (GitHub never returns it): send it again. */
  secretChanged?: boolean;
}

function sameEvents(a: readonly string[], b: readonly string[]): boolean {
  if (a.includes('*')) return true; // every event is a superset of ours
  const want = new Set(b);
  return a.length === want.size && a.every((e) => want.has(e));
}

export async function ensureGitHubWebhook(
  client: ForgeHttpClient,
  org: string,
  url: string,
  secret: string,
  token: RequestOptions['token'],
  opts: EnsureWebhookOptions = {},
): Promise<{ id: string; created: boolean; repaired: boolean }> {
  const base = `/orgs/${encodeURIComponent(org)}/hooks`;
  const hooks = await client.paginate<unknown>(base, { token });
  const parsed: GhHook[] = hooks.map((h, i) => {
    const problem = firstProblem(HookSchema, h);
    if (problem) throw client.error('invalid', `unexpected hook at item ${i}: ${problem}`, client.url(base));
    return h as GhHook;
  });
  const config = { url, content_type: 'json', insecure_ssl: '0', secret };
  const existing = parsed.find((h) => h.config.url === url);
  if (!existing) {
    const body = await client.json<unknown>(base, { method: 'POST', token, body: { name: 'web', active: true, events: [...HOOK_EVENTS], config } });
    const problem = firstProblem(HookSchema, body);
    if (problem) throw client.error('invalid', `created hook: ${problem}`, client.url(base));
    return { id: String((body as GhHook).id), created: true, repaired: false };
  }
  const needsRepair =
    !existing.active ||
    !sameEvents(existing.events, HOOK_EVENTS) ||
    (existing.config.content_type !== undefined && existing.config.content_type !== 'json') ||
    String(existing.config.insecure_ssl ?? '0') !== '0' ||
    opts.secretChanged === true;
  if (!needsRepair) return { id: String(existing.id), created: false, repaired: false };
  // A PATCH of config without the secret would remove it: always send it.
  await client.json<unknown>(`${base}/${existing.id}`, { method: 'PATCH', token, body: { active: true, events: [...HOOK_EVENTS], config } });
  return { id: String(existing.id), created: false, repaired: true };
}

function failureDetail(e: unknown): string {
  if (isForgeError(e)) return `${e.message} (${e.kind})`;
  return e instanceof Error ? e.message : String(e);
}

/** ForgeWebhooks.ensureWebhooks for GitHub: the org hook of `org`, reported as one HookState. */
export async function ensureGitHubWebhooks(
  client: ForgeHttpClient,
  org: string,
  url: string,
  secret: string,
  token: () => RequestOptions['token'],
  opts: EnsureWebhookOptions = {},
): Promise<{ scope: HookScope; hooks: HookState[] }> {
  const state = (s: Omit<HookState, 'scope' | 'target'>): { scope: HookScope; hooks: HookState[] } => ({ scope: 'source', hooks: [{ scope: 'source', target: org, ...s }] });
  try {
    const r = await ensureGitHubWebhook(client, org, url, secret, token(), opts);
    const outcome = r.created ? 'created' : r.repaired ? 'repaired' : 'ok';
    return state({ hookId: r.id, outcome });
  } catch (e) {
    return state({ hookId: null, outcome: 'failed', detail: failureDetail(e) });
  }
}
