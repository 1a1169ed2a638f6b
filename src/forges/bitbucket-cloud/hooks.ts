// Bitbucket Cloud webhook deliveries: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`
// (sent when the hook has a secret; every Packyard hook has one, so an unsigned delivery is
// refused) checked in constant time, the delivery id from X-Request-UUID (the hook route
// deduplicates on it), the event from X-Event-Key, then the payload (validated with TypeBox)
// reduced to a HookEvent: repo:push -> push (one per delivery: the first change's ref, branches
// as refs/heads/…, tags as refs/tags/…; deleted when every change closes its ref), repo:updated
// -> repository renamed (full_name changed; transferred when its workspace changed) or other,
// repo:transfer -> transferred, repo:created / repo:deleted -> created / deleted. Bitbucket
// Cloud has no ping event; anything else is ignored.
import type { HookEvent, HookRequest, HookVerification } from '../types.js';
import { PayloadError, checkPayload, hookHeader, hubSignatureMatches } from '../hook-support.js';
import { PushPayload, RepositoryPayload, UpdatedPayload, type BcHookRepo } from './schemas.js';

const repoOf = (r: BcHookRepo) => ({ id: r.uuid, fullName: r.full_name });

/** A pushed ref's full name: branches under refs/heads/, tags under refs/tags/. */
function refName(ref: { type: string; name: string }): string {
  if (ref.type === 'tag' || ref.type === 'annotated_tag') return `refs/tags/${ref.name}`;
  if (ref.type === 'branch' || ref.type === 'named_branch') return `refs/heads/${ref.name}`;
  return ref.name;
}

const workspaceOf = (fullName: unknown): string | null => (typeof fullName === 'string' ? (fullName.split('/')[0] ?? '').toLowerCase() : null);

/** Maps one parsed payload to a HookEvent; throws PayloadError naming the field when the shape is wrong. */
export function mapBitbucketCloudEvent(event: string, payload: unknown): HookEvent {
  switch (event) {
    case 'repo:push': {
      type Ref = { type: string; name: string } | null | undefined;
      const p = checkPayload<{ repository: BcHookRepo; push: { changes: Array<{ new?: Ref; old?: Ref }> } }>(PushPayload, payload, event);
      const first = p.push.changes[0];
      const ref = first?.new ?? first?.old;
      // Several refs in one push: the package's update rescans every ref anyway.
      const deleted = p.push.changes.length > 0 && p.push.changes.every((c) => !c.new);
      return { kind: 'push', repo: repoOf(p.repository), ref: ref ? refName(ref) : '', deleted };
    }
    case 'repo:updated': {
      const p = checkPayload<{ repository: BcHookRepo; changes?: { full_name?: { old?: unknown; new?: unknown }; name?: { old?: unknown; new?: unknown } } }>(UpdatedPayload, payload, event);
      const fn = p.changes?.full_name;
      const moved = fn !== undefined && fn.old !== fn.new;
      const action = moved && workspaceOf(fn.old) !== null && workspaceOf(fn.old) !== workspaceOf(fn.new) ? 'transferred' : moved || p.changes?.name !== undefined ? 'renamed' : 'other';
      return { kind: 'repository', action, repo: repoOf(p.repository) };
    }
    case 'repo:transfer':
    case 'repo:created':
    case 'repo:deleted': {
      const p = checkPayload<{ repository: BcHookRepo }>(RepositoryPayload, payload, event);
      const action = event === 'repo:transfer' ? 'transferred' : event === 'repo:created' ? 'created' : 'deleted';
      return { kind: 'repository', action, repo: repoOf(p.repository) };
    }
    default:
      return { kind: 'ignored', event };
  }
}

/** Verifies and maps a delivery: 401 for a missing or wrong signature, 400 for anything malformed. */
export function verifyBitbucketCloudHook(req: HookRequest, secret: string): HookVerification {
  const deliveryId = hookHeader(req, 'x-request-uuid');
  const event = hookHeader(req, 'x-event-key');
  const sent = { ...(deliveryId ? { deliveryId } : {}), ...(event ? { event } : {}) };
  const refuse = (status: 400 | 401, reason: string): HookVerification => ({ ok: false, status, reason, ...sent });
  const signature = hookHeader(req, 'x-hub-signature');
  if (!signature) return refuse(401, 'missing X-Hub-Signature');
  if (!hubSignatureMatches(secret, req.body, signature)) return refuse(401, 'bad X-Hub-Signature');
  if (!deliveryId) return refuse(400, 'missing X-Request-UUID');
  if (!event) return refuse(400, 'missing X-Event-Key');
  let payload: unknown;
  try {
    payload = JSON.parse(req.body.toString('utf8'));
  } catch {
    return refuse(400, 'the body is not JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return refuse(400, 'the body is not a JSON object');
  try {
    return { ok: true, deliveryId, event, hook: mapBitbucketCloudEvent(event, payload) };
  } catch (e) {
    if (e instanceof PayloadError) return refuse(400, e.message);
    throw e;
  }
}

/** The X-Hub-Signature check, kept under this name for the forge's callers and tests. */
export { hubSignatureMatches as signatureMatches } from '../hook-support.js';
