// Installs and repairs the Bitbucket Data Center webhooks that point at Packyard. Project hooks
// exist from 8.x and need PROJECT_ADMIN: detected by listing each source project's hooks (a 404,
// 403 or 401 on any means none), then one hook per source project; otherwise one repository hook
// per package repository (REPO_ADMIN). A hook is ours when its URL is ours. It is repaired (PUT,
// always with the secret: Bitbucket never returns it) when it is inactive, misses an event, skips
// TLS verification, or when the secret may have changed. One hook's failure is its HookState.
import type { ForgeHttpClient } from '../http.js';
import { isForgeError, type ForgeRepository, type HookScope, type HookState } from '../types.js';
import { getOne, keyPath, listAll, slugPath, sourceKeys } from './api.js';
import { WebhookSchema, type BbWebhook } from './schemas.js';
import { keyAndSlug } from './snapshot.js';

export const HOOK_EVENTS = ['repo:refs_changed', 'repo:modified'] as const;

/** Why `hook` needs a repair, or null when it is as wanted. */
function repairReason(hook: BbWebhook, secretChanged: boolean): string | null {
  const missing = HOOK_EVENTS.filter((e) => !(hook.events ?? []).includes(e));
  if (missing.length > 0) return `events missing: ${missing.join(', ')}`;
  if (hook.active === false) return 'it was inactive';
  if (hook.sslVerificationRequired === false) return 'TLS verification was off';
  if (secretChanged) return 'the secret changed';
  return null;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function ensureOne(client: ForgeHttpClient, base: string, existing: BbWebhook[], scope: HookScope, target: string, url: string, secret: string, secretChanged: boolean): Promise<HookState> {
  const body = { name: 'Packyard', url, active: true, events: [...HOOK_EVENTS], configuration: { secret }, sslVerificationRequired: true };
  const ours = existing.find((h) => h.url === url);
  if (!ours) {
    const created = await getOne<BbWebhook>(client, base, WebhookSchema, { method: 'POST', body });
    return { scope, target, hookId: String(created?.id ?? ''), outcome: 'created' };
  }
  const reason = repairReason(ours, secretChanged);
  if (reason === null) return { scope, target, hookId: String(ours.id), outcome: 'ok' };
  await getOne<BbWebhook>(client, `${base}/${ours.id}`, WebhookSchema, { method: 'PUT', body });
  return { scope, target, hookId: String(ours.id), outcome: 'repaired', detail: reason };
}

export async function ensureBitbucketServerWebhooks(
  client: ForgeHttpClient,
  source: string,
  repositories: ForgeRepository[],
  url: string,
  secret: string,
  secretChanged: boolean,
): Promise<{ scope: HookScope; hooks: HookState[] }> {
  const keys = sourceKeys(source);
  let projectHooks: BbWebhook[][] | null;
  try {
    projectHooks = await Promise.all(keys.map((k) => listAll<BbWebhook>(client, `/projects/${keyPath(k)}/webhooks`, WebhookSchema)));
  } catch (e) {
    // Before 8.x (404) or a token without PROJECT_ADMIN (403/401): repository hooks instead.
    if (isForgeError(e) && (e.kind === 'not-found' || e.kind === 'forbidden' || e.kind === 'unauthorized')) projectHooks = null;
    else return { scope: 'source', hooks: keys.map((k) => ({ scope: 'source' as const, target: k, hookId: null, outcome: 'failed' as const, detail: message(e) })) };
  }
  if (projectHooks !== null) {
    const hooks: HookState[] = [];
    for (const [i, key] of keys.entries()) {
      try {
        hooks.push(await ensureOne(client, `/projects/${keyPath(key)}/webhooks`, projectHooks[i] ?? [], 'source', key, url, secret, secretChanged));
      } catch (e) {
        hooks.push({ scope: 'source', target: key, hookId: null, outcome: 'failed', detail: message(e) });
      }
    }
    return { scope: 'source', hooks };
  }
  const hooks: HookState[] = [];
  for (const repo of repositories) {
    try {
      const { key, slug } = keyAndSlug(repo);
      const base = `/projects/${keyPath(key)}/repos/${slugPath(slug)}/webhooks`;
      const existing = await listAll<BbWebhook>(client, base, WebhookSchema);
      hooks.push(await ensureOne(client, base, existing, 'repository', repo.id, url, secret, secretChanged));
    } catch (e) {
      hooks.push({ scope: 'repository', target: repo.id, hookId: null, outcome: 'failed', detail: message(e) });
    }
  }
  return { scope: 'repository', hooks };
}
