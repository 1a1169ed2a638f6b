// Installs and repairs the Bitbucket Cloud webhooks that point at Packyard. A workspace hook
// (/workspaces/{ws}/hooks) needs a workspace admin's credential with the webhook scope: detected
// by listing the workspace's hooks and creating or repairing ours there; a 401, 403 or 404 on
// either falls back to one repository hook per package repository
// (/repositories/{ws}/{slug}/hooks). A hook is ours when its URL is ours. Bitbucket never returns
// a secret, only `secret_set`: a hook is repaired (PUT, always with the secret) when it is
// inactive, misses an event, has no secret, skips certificate checks, or when the secret may have
// changed. One hook's failure is its HookState, never a throw.
import type { ForgeHttpClient } from '../http.js';
import { isForgeError, type ForgeRepository, type HookScope, type HookState } from '../types.js';
import { getOne, listAll, slugPath, uuidPath, workspaceAndSlug, workspaceSlug } from './api.js';
import { WebhookSchema, type BcWebhook } from './schemas.js';

/** Pushes (branches and tags) and repository updates (renames). */
export const HOOK_EVENTS = ['repo:push', 'repo:updated'] as const;

function repairReason(hook: BcWebhook, secretChanged: boolean): string | null {
  const missing = HOOK_EVENTS.filter((e) => !(hook.events ?? []).includes(e));
  if (missing.length > 0) return `events missing: ${missing.join(', ')}`;
  if (hook.active === false) return 'it was inactive';
  if (hook.secret_set === false) return 'it had no secret';
  if (hook.skip_cert_verification === true) return 'certificate verification was off';
  if (secretChanged) return 'the secret changed';
  return null;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const refused = (e: unknown): boolean => isForgeError(e) && (e.kind === 'not-found' || e.kind === 'forbidden' || e.kind === 'unauthorized');

async function ensureOne(client: ForgeHttpClient, base: string, existing: BcWebhook[], scope: HookScope, target: string, url: string, secret: string, secretChanged: boolean): Promise<HookState> {
  const body = { description: 'Packyard', url, active: true, events: [...HOOK_EVENTS], secret, skip_cert_verification: false };
  const ours = existing.find((h) => h.url === url);
  if (!ours) {
    const created = await getOne<BcWebhook>(client, base, WebhookSchema, { method: 'POST', body });
    return { scope, target, hookId: created?.uuid ?? null, outcome: 'created' };
  }
  const reason = repairReason(ours, secretChanged);
  if (reason === null) return { scope, target, hookId: ours.uuid, outcome: 'ok' };
  await getOne<BcWebhook>(client, `${base}/${uuidPath(ours.uuid)}`, WebhookSchema, { method: 'PUT', body });
  return { scope, target, hookId: ours.uuid, outcome: 'repaired', detail: reason };
}

export async function ensureBitbucketCloudWebhooks(
  client: ForgeHttpClient,
  source: string,
  repositories: ForgeRepository[],
  url: string,
  secret: string,
  secretChanged: boolean,
): Promise<{ scope: HookScope; hooks: HookState[] }> {
  const ws = workspaceSlug(source);
  const base = `/workspaces/${encodeURIComponent(ws)}/hooks`;
  try {
    const existing = await listAll<BcWebhook>(client, base, WebhookSchema);
    return { scope: 'source', hooks: [await ensureOne(client, base, existing, 'source', ws, url, secret, secretChanged)] };
  } catch (e) {
    // Not a workspace admin, or no webhook scope for the workspace: repository hooks instead.
    if (!refused(e)) return { scope: 'source', hooks: [{ scope: 'source', target: ws, hookId: null, outcome: 'failed', detail: message(e) }] };
  }
  const hooks: HookState[] = [];
  for (const repo of repositories) {
    try {
      const { slug } = workspaceAndSlug(repo);
      const repoBase = `/repositories/${encodeURIComponent(ws)}/${slugPath(slug)}/hooks`;
      const existing = await listAll<BcWebhook>(client, repoBase, WebhookSchema);
      hooks.push(await ensureOne(client, repoBase, existing, 'repository', repo.id, url, secret, secretChanged));
    } catch (e) {
      hooks.push({ scope: 'repository', target: repo.id, hookId: null, outcome: 'failed', detail: message(e) });
    }
  }
  return { scope: 'repository', hooks };
}
