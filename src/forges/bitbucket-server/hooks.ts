// Bitbucket Data Center webhook deliveries: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw
// body>` checked in constant time, the delivery id from X-Request-Id, the event from
// X-Event-Key, then the payload (validated with TypeBox) reduced to a HookEvent:
// repo:refs_changed -> push (one per delivery: the first change's ref), repo:modified ->
// repository renamed (slug changed) or transferred (project changed), diagnostics:ping -> ping.
// The Test button's ping may come unsigned: it is accepted without a signature (it queues
// nothing); a ping that carries a signature must verify like any delivery.
import type { HookEvent, HookRequest, HookVerification } from '../types.js';
import { PayloadError, checkPayload, hookHeader, hubSignatureMatches } from '../hook-support.js';
import { ModifiedPayload, RefsChangedPayload, type BbHookRepo } from './schemas.js';

const repoOf = (r: BbHookRepo) => ({ id: String(r.id), fullName: `${r.project.key}/${r.slug}` });

/** Maps one parsed payload to a HookEvent; throws PayloadError naming the field when the shape is wrong. */
export function mapBitbucketServerEvent(event: string, payload: unknown): HookEvent {
  switch (event) {
    case 'diagnostics:ping':
      return { kind: 'ping' };
    case 'repo:refs_changed': {
      const p = checkPayload<{ repository: BbHookRepo; changes: Array<{ ref: { id: string }; type: string }> }>(RefsChangedPayload, payload, event);
      const first = p.changes[0];
      // Several refs in one push: the package's update rescans every ref anyway.
      const deleted = p.changes.length > 0 && p.changes.every((c) => c.type === 'DELETE');
      return { kind: 'push', repo: repoOf(p.repository), ref: first?.ref.id ?? '', deleted };
    }
    case 'repo:modified': {
      const p = checkPayload<{ old: BbHookRepo; new: BbHookRepo }>(ModifiedPayload, payload, event);
      const action = p.old.project.key !== p.new.project.key ? 'transferred' : p.old.slug !== p.new.slug ? 'renamed' : 'other';
      return { kind: 'repository', action, repo: repoOf(p.new) };
    }
    default:
      return { kind: 'ignored', event };
  }
}

/** Verifies and maps a delivery: 401 for a missing or wrong signature, 400 for anything malformed. */
export function verifyBitbucketServerHook(req: HookRequest, secret: string): HookVerification {
  const deliveryId = hookHeader(req, 'x-request-id');
  const event = hookHeader(req, 'x-event-key');
  const sent = { ...(deliveryId ? { deliveryId } : {}), ...(event ? { event } : {}) };
  const refuse = (status: 400 | 401, reason: string): HookVerification => ({ ok: false, status, reason, ...sent });
  const signature = hookHeader(req, 'x-hub-signature');
  const unsignedPing = event === 'diagnostics:ping' && signature === undefined;
  if (!unsignedPing) {
    if (!signature) return refuse(401, 'missing X-Hub-Signature');
    if (!hubSignatureMatches(secret, req.body, signature)) return refuse(401, 'bad X-Hub-Signature');
  }
  if (!deliveryId) return refuse(400, 'missing X-Request-Id');
  if (!event) return refuse(400, 'missing X-Event-Key');
  if (unsignedPing) return { ok: true, deliveryId, event, hook: { kind: 'ping' } };
  let payload: unknown;
  try {
    payload = JSON.parse(req.body.toString('utf8'));
  } catch {
    return refuse(400, 'the body is not JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return refuse(400, 'the body is not a JSON object');
  try {
    return { ok: true, deliveryId, event, hook: mapBitbucketServerEvent(event, payload) };
  } catch (e) {
    if (e instanceof PayloadError) return refuse(400, e.message);
    throw e;
  }
}

/** The X-Hub-Signature check, kept under this name for the forge's callers and tests. */
export { hubSignatureMatches as signatureMatches } from '../hook-support.js';
