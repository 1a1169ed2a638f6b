// A push to the fake GitLab, as git-receive-pack would make it: commits and tags in the real
// repository, then the project's hooks (and, on premium, the hooks of every group above it) fire
// the way GitLab's Git::ProcessRefChangesService does it: changes are grouped by ref type
// (branches, tags) and action (create, update, delete), and a group of more than
// push_event_hooks_limit (3) changes fires no Push Hook / Tag Push Hook at all.

import { randomUUID } from 'node:crypto';
import { git } from '../kit/git-store.js';
import type { Delivery } from '../kit/webhooks.js';
import type { Hook, Project, Tier, User } from './model.js';
import { Payloads, ZERO_SHA } from './payloads.js';
import type { GitLabState } from './state.js';
import { branchMatches, deliverTo, EVENT_HEADER, hookExecutable, recordOutcome } from './webhooks.js';

export const PUSH_EVENT_HOOKS_LIMIT = 3;

export interface PushSpec {
  /** branch -> files to commit on it (null deletes a file); a new branch starts from the default branch. */
  branches?: Record<string, Record<string, string | Buffer | null>>;
  /** tag -> what it points at (a branch, tag or sha); lightweight tags. */
  tags?: Record<string, string>;
  deleteBranches?: string[];
  deleteTags?: string[];
  /** The pushing user (default: the first user). */
  as?: string;
  message?: string;
}

export interface PushDeps {
  state: GitLabState;
  payloads: Payloads;
  tier: Tier;
  instance: () => string;
  failures: Map<number, number>;
}

interface Change {
  kind: 'branch' | 'tag';
  name: string;
  before: string;
  after: string;
}

/** Hooks that hear about a project: its own, and on premium those of the groups above it. */
export function hooksFor(state: GitLabState, tier: Tier, p: Project): Hook[] {
  const own = state.hooksOf('project', p.id);
  if (tier !== 'premium') return own;
  return [...own, ...state.ancestors(state.group(p.namespaceId)).flatMap((g) => state.hooksOf('group', g.id))];
}

export async function push(deps: PushDeps, projectPath: string, spec: PushSpec): Promise<{ shas: Record<string, string>; changes: Change[]; deliveries: Delivery[] }> {
  const { state } = deps;
  const p = state.project(projectPath);
  const user: User | undefined = spec.as !== undefined ? state.user(spec.as) : [...state.users.values()][0];
  if (user === undefined) throw new Error('push needs a user');
  const changes: Change[] = [];
  const shas: Record<string, string> = {};
  const sha = async (ref: string): Promise<string> => (await state.refSha(p, ref)) ?? ZERO_SHA;

  for (const [branch, files] of Object.entries(spec.branches ?? {})) {
    const before = await sha(`refs/heads/${branch}`);
    const after = await state.commit(projectPath, files, { branch, message: spec.message ?? `Update ${branch}` });
    shas[branch] = after;
    changes.push({ kind: 'branch', name: branch, before, after });
  }
  for (const [tag, target] of Object.entries(spec.tags ?? {})) {
    const before = await sha(`refs/tags/${tag}`);
    const after = await sha(target);
    if (after === ZERO_SHA) throw new Error(`nothing to tag at ${target}`);
    await git(p.gitDir, ['update-ref', `refs/tags/${tag}`, after]);
    shas[tag] = after;
    changes.push({ kind: 'tag', name: tag, before, after });
  }
  for (const [kind, names] of [['branch', spec.deleteBranches ?? []], ['tag', spec.deleteTags ?? []]] as const) {
    for (const name of names) {
      const ref = `refs/${kind === 'branch' ? 'heads' : 'tags'}/${name}`;
      const before = await sha(ref);
      if (before === ZERO_SHA) continue;
      await git(p.gitDir, ['update-ref', '-d', ref]);
      changes.push({ kind, name, before, after: ZERO_SHA });
    }
  }
  if (changes.length > 0) p.lastActivityAt = state.tick();

  const action = (c: Change): string => (c.before === ZERO_SHA ? 'create' : c.after === ZERO_SHA ? 'delete' : 'update');
  const groups = new Map<string, Change[]>();
  for (const c of changes) {
    const key = `${c.kind}:${action(c)}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const deliveries: Delivery[] = [];
  const hooks = hooksFor(state, deps.tier, p);
  for (const group of groups.values()) {
    if (group.length > PUSH_EVENT_HOOKS_LIMIT) continue;
    for (const c of group) {
      const event = c.kind === 'branch' ? EVENT_HEADER.push : EVENT_HEADER.tag_push;
      const payload = c.kind === 'branch' ? await deps.payloads.push(p, user, `refs/heads/${c.name}`, c.before, c.after) : deps.payloads.tagPush(p, user, c.name, c.before, c.after);
      const eventUuid = randomUUID();
      for (const h of hooks) {
        const wants = c.kind === 'branch' ? h.events['push_events'] === true && branchMatches(h, c.name) : h.events['tag_push_events'] === true;
        if (!wants || !hookExecutable(h)) continue;
        const d = await deliverTo(deps.instance(), h.url, event, payload, { token: h.token, hookUuid: h.uuid, eventUuid, hookId: h.id });
        recordOutcome(h, deps.failures, d.status);
        deliveries.push(d);
      }
    }
  }
  return { shas, changes, deliveries };
}
