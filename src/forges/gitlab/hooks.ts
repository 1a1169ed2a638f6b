// GitLab webhook deliveries: X-Gitlab-Token (the secret, verbatim) compared in constant time,
// the delivery id from Idempotency-Key (stable across retries), else X-Gitlab-Webhook-UUID, else
// X-Gitlab-Event-UUID, then the payload (validated with TypeBox) reduced to a HookEvent: Push and
// Tag Push -> push, Release -> release, and from group hooks Member -> membership, Subgroup ->
// team, Project (project_create/project_destroy) -> repository; anything else is ignored.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HookEvent, HookRequest, HookVerification } from '../types.js';
import { PayloadError, checkPayload, hookHeader } from '../hook-support.js';
import { MemberPayload, ProjectPayload, PushPayload, ReleasePayload, SubgroupPayload } from './schemas.js';

/** Constant time whatever the lengths: both sides are hashed to 32 bytes before comparing. */
export function tokenMatches(secret: string, given: string): boolean {
  const a = createHash('sha256').update(secret, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b) && secret.length > 0;
}

const ZEROS = /^0+$/;

const PROJECT_ACTIONS: Record<string, 'created' | 'deleted' | 'renamed' | 'transferred'> = {
  project_create: 'created',
  project_destroy: 'deleted',
  project_rename: 'renamed',
  project_transfer: 'transferred',
};

/** Maps one parsed payload to a HookEvent; throws PayloadError naming the field when the shape is wrong. */
export function mapGitLabEvent(event: string, payload: unknown): HookEvent {
  switch (event) {
    case 'Push Hook':
    case 'Tag Push Hook': {
      const p = checkPayload<{ ref: string; after: string; project_id: number; project: { path_with_namespace: string } }>(PushPayload, payload, event);
      return { kind: 'push', repo: { id: String(p.project_id), fullName: p.project.path_with_namespace }, ref: p.ref, deleted: ZEROS.test(p.after) };
    }
    case 'Release Hook': {
      const p = checkPayload<{ action: string; project: { id: number; path_with_namespace: string } }>(ReleasePayload, payload, event);
      return { kind: 'release', repo: { id: String(p.project.id), fullName: p.project.path_with_namespace }, action: p.action };
    }
    case 'Member Hook': {
      const p = checkPayload<{ event_name: string; group_id: number; user_id: number }>(MemberPayload, payload, event);
      return { kind: 'membership', action: p.event_name, teamId: String(p.group_id), userId: String(p.user_id) };
    }
    case 'Subgroup Hook': {
      const p = checkPayload<{ event_name: string; group_id: number }>(SubgroupPayload, payload, event);
      return { kind: 'team', action: p.event_name, teamId: String(p.group_id) };
    }
    case 'Project Hook': {
      const p = checkPayload<{ event_name: string; project_id: number; path_with_namespace: string }>(ProjectPayload, payload, event);
      return { kind: 'repository', action: PROJECT_ACTIONS[p.event_name] ?? 'other', repo: { id: String(p.project_id), fullName: p.path_with_namespace } };
    }
    default:
      return { kind: 'ignored', event };
  }
}

/** Verifies and maps a delivery: 401 for a missing or wrong token, 400 for anything malformed. */
export function verifyGitLabHook(req: HookRequest, secret: string): HookVerification {
  const deliveryId = hookHeader(req, 'idempotency-key') ?? hookHeader(req, 'x-gitlab-webhook-uuid') ?? hookHeader(req, 'x-gitlab-event-uuid');
  const event = hookHeader(req, 'x-gitlab-event');
  // What the request claimed, kept with a refusal for the delivery log.
  const sent = { ...(deliveryId ? { deliveryId } : {}), ...(event ? { event } : {}) };
  const refuse = (status: 400 | 401, reason: string): HookVerification => ({ ok: false, status, reason, ...sent });
  const token = hookHeader(req, 'x-gitlab-token');
  if (!token) return refuse(401, 'missing X-Gitlab-Token');
  if (!secret || !tokenMatches(secret, token)) return refuse(401, 'bad X-Gitlab-Token');
  if (!deliveryId) return refuse(400, 'missing Idempotency-Key, X-Gitlab-Webhook-UUID and X-Gitlab-Event-UUID');
  if (!event) return refuse(400, 'missing X-Gitlab-Event');
  let payload: unknown;
  try {
    payload = JSON.parse(req.body.toString('utf8'));
  } catch {
    return refuse(400, 'the body is not JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return refuse(400, 'the body is not a JSON object');
  try {
    return { ok: true, deliveryId, event, hook: mapGitLabEvent(event, payload) };
  } catch (e) {
    if (e instanceof PayloadError) return refuse(400, e.message);
    throw e;
  }
}
