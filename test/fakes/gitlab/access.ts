// Effective access on the fake GitLab, as GitLab computes it: a group's members/all is its direct
// members, its ancestors' members (inherited) and the members of groups shared into it or into an
// ancestor, each share capping the level; one row per user with the highest level. A project adds
// its direct members and the groups it is shared with. Expired memberships and shares count for
// nothing. Members of an invited group are its direct and inherited members (not groups shared
// into the invited group: sharing is not transitive).

import { GUEST, type Group, type Membership, type Project, type Share, type User } from './model.js';
import type { GitLabState } from './state.js';

export type Source = 'direct' | 'inherited' | 'shared';
export interface Effective extends Membership {
  source: Source;
}

const live = (expiresAt: string | null, now: number): boolean => expiresAt === null || Date.parse(expiresAt) > now;

function offer(out: Map<number, Effective>, userId: number, m: Effective): void {
  const cur = out.get(userId);
  if (cur === undefined || m.level > cur.level) out.set(userId, m);
}

/** Direct and inherited members of `g` (no shares). */
function chainMembers(state: GitLabState, g: Group, now: number, out: Map<number, Effective>): void {
  for (const a of state.ancestors(g)) {
    for (const [uid, m] of a.members) if (live(m.expiresAt, now)) offer(out, uid, { ...m, source: a.id === g.id ? 'direct' : 'inherited' });
  }
}

function sharedMembers(state: GitLabState, shares: Share[], now: number, out: Map<number, Effective>): void {
  for (const s of shares) {
    if (!live(s.expiresAt, now)) continue;
    const invited = state.groups.get(s.groupId);
    if (invited === undefined) continue;
    const inner = new Map<number, Effective>();
    chainMembers(state, invited, now, inner);
    for (const [uid, m] of inner) offer(out, uid, { ...m, level: Math.min(m.level, s.level) as Membership['level'], source: 'shared' });
  }
}

/** GET /groups/:id/members/all: user id -> highest effective membership. */
export function groupMembersAll(state: GitLabState, g: Group, now = Date.now()): Map<number, Effective> {
  const out = new Map<number, Effective>();
  chainMembers(state, g, now, out);
  for (const a of state.ancestors(g)) sharedMembers(state, a.shares, now, out);
  return out;
}

/** GET /projects/:id/members/all. */
export function projectMembersAll(state: GitLabState, p: Project, now = Date.now()): Map<number, Effective> {
  const out = new Map<number, Effective>();
  for (const [uid, m] of p.members) if (live(m.expiresAt, now)) offer(out, uid, { ...m, source: 'direct' });
  for (const [uid, m] of groupMembersAll(state, state.group(p.namespaceId), now)) offer(out, uid, { ...m, source: m.source === 'direct' ? 'inherited' : m.source });
  sharedMembers(state, p.shares, now, out);
  return out;
}

export function groupLevel(state: GitLabState, user: User, g: Group): number {
  return groupMembersAll(state, g).get(user.id)?.level ?? 0;
}

export function projectLevel(state: GitLabState, user: User, p: Project): number {
  return projectMembersAll(state, p).get(user.id)?.level ?? 0;
}

/** Whether the user sees the group: admin, public/internal, or a member of it or of a group below it. */
export function canSeeGroup(state: GitLabState, user: User, g: Group): boolean {
  if (user.admin || g.visibility !== 'private') return true;
  if (groupLevel(state, user, g) > 0) return true;
  return state.descendants(g).some((d) => groupLevel(state, user, d) > 0) || [...state.projects.values()].some((p) => isBelow(state, p, g) && projectLevel(state, user, p) >= GUEST);
}

function isBelow(state: GitLabState, p: Project, g: Group): boolean {
  return state.ancestors(state.group(p.namespaceId)).some((a) => a.id === g.id);
}

/** Whether the user sees the project: admin, public/internal, or Guest and above in it. */
export function canSeeProject(state: GitLabState, user: User, p: Project): boolean {
  return user.admin || p.visibility !== 'private' || projectLevel(state, user, p) >= GUEST;
}

/** Projects in `g` (and its subgroups when asked) plus, with `withShared`, projects shared into it. */
export function groupProjects(state: GitLabState, g: Group, includeSubgroups: boolean, withShared: boolean): Project[] {
  const groupIds = new Set([g.id, ...(includeSubgroups ? state.descendants(g).map((d) => d.id) : [])]);
  const own = [...state.projects.values()].filter((p) => groupIds.has(p.namespaceId));
  if (!withShared) return own;
  const now = Date.now();
  const shared = [...state.projects.values()].filter((p) => !groupIds.has(p.namespaceId) && p.shares.some((s) => groupIds.has(s.groupId) && live(s.expiresAt, now)));
  return [...own, ...shared];
}
