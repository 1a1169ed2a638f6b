// Installs and repairs the GitLab webhooks that point at Packyard. Group hooks are a Premium
// feature and need the group's Owner: detected by listing the source group's hooks (a 404 or
// 403 means none), then one group hook; otherwise one project hook per package repository.
// A hook is ours when its URL is ours. It is repaired (PUT, always with the token: GitLab
// resets the secret when a hook is edited without it) when an event flag or TLS verification
// differs, when GitLab disabled it after failures (alert_status not `executable`), or when the
// secret may have changed. One hook's failure is its HookState, never a throw.
import type { ForgeHttpClient } from '../http.js';
import { isForgeError, type ForgeRepository, type HookScope, type HookState } from '../types.js';
import { getOne, idPath, listAll } from './api.js';
import { HookSchema, type GlGroup, type GlHook } from './schemas.js';

/** The flags a project hook must have; a group hook adds the group-only events. */
export const PROJECT_HOOK_FLAGS = { push_events: true, tag_push_events: true, releases_events: true, enable_ssl_verification: true } as const;
export const GROUP_HOOK_FLAGS = { ...PROJECT_HOOK_FLAGS, member_events: true, subgroup_events: true, project_events: true } as const;

type Flags = Record<string, boolean>;

/** Why `hook` needs a repair, or null when it is as wanted. */
function repairReason(hook: GlHook, flags: Flags, secretChanged: boolean): string | null {
  const off = Object.keys(flags).filter((k) => (hook as unknown as Record<string, unknown>)[k] !== flags[k]);
  if (off.length > 0) return `flags differed: ${off.join(', ')}`;
  if (hook.alert_status != null && hook.alert_status !== 'executable') return `GitLab had disabled it (${hook.alert_status})`;
  if (secretChanged) return 'the secret changed';
  return null;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Finds, creates or repairs our hook in the hooks collection at `base` (/groups/:id/hooks or /projects/:id/hooks). */
async function ensureOne(
  client: ForgeHttpClient,
  base: string,
  existing: GlHook[],
  scope: HookScope,
  target: string,
  url: string,
  secret: string,
  flags: Flags,
  secretChanged: boolean,
): Promise<HookState> {
  const body = { url, token: secret, ...flags };
  const ours = existing.find((h) => h.url === url);
  if (!ours) {
    const created = await getOne<GlHook>(client, base, HookSchema, { method: 'POST', body });
    return { scope, target, hookId: String(created?.id ?? ''), outcome: 'created' };
  }
  const reason = repairReason(ours, flags, secretChanged);
  if (reason === null) return { scope, target, hookId: String(ours.id), outcome: 'ok' };
  await getOne<GlHook>(client, `${base}/${idPath(ours.id)}`, HookSchema, { method: 'PUT', body });
  return { scope, target, hookId: String(ours.id), outcome: 'repaired', detail: reason };
}

export async function ensureGitLabWebhooks(
  client: ForgeHttpClient,
  group: GlGroup,
  repositories: ForgeRepository[],
  url: string,
  secret: string,
  secretChanged: boolean,
): Promise<{ scope: HookScope; hooks: HookState[] }> {
  const groupBase = `/groups/${idPath(group.id)}/hooks`;
  let groupHooks: GlHook[] | null;
  try {
    groupHooks = await listAll<GlHook>(client, groupBase, HookSchema);
  } catch (e) {
    // Free tier (404) or a token that is not the group's Owner (403): project hooks instead.
    if (isForgeError(e) && (e.kind === 'not-found' || e.kind === 'forbidden')) groupHooks = null;
    else return { scope: 'source', hooks: [{ scope: 'source', target: group.full_path, hookId: null, outcome: 'failed', detail: message(e) }] };
  }
  if (groupHooks !== null) {
    try {
      return { scope: 'source', hooks: [await ensureOne(client, groupBase, groupHooks, 'source', group.full_path, url, secret, GROUP_HOOK_FLAGS, secretChanged)] };
    } catch (e) {
      return { scope: 'source', hooks: [{ scope: 'source', target: group.full_path, hookId: null, outcome: 'failed', detail: message(e) }] };
    }
  }
  const hooks: HookState[] = [];
  for (const repo of repositories) {
    try {
      const base = `/projects/${idPath(repo.id)}/hooks`;
      const existing = await listAll<GlHook>(client, base, HookSchema);
      hooks.push(await ensureOne(client, base, existing, 'repository', repo.id, url, secret, PROJECT_HOOK_FLAGS, secretChanged));
    } catch (e) {
      hooks.push({ scope: 'repository', target: repo.id, hookId: null, outcome: 'failed', detail: message(e) });
    }
  }
  return { scope: 'repository', hooks };
}
