// GitHub webhook deliveries: X-Hub-Signature-256 checked in constant time over the raw body,
// then the payload (validated with TypeBox) reduced to the HookEvent Packyard acts on.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HookEvent, HookRequest, HookVerification } from '../types.js';
import { PayloadError, checkPayload } from '../hook-support.js';
import {
  MemberPayload,
  MembershipPayload,
  OrganizationPayload,
  PushPayload,
  RefPayload,
  ReleasePayload,
  RepoSchema,
  RepositoryPayload,
  TeamAddPayload,
  TeamPayload,
  type GhRepo,
} from './schemas.js';
import { toRepository } from './snapshot.js';
import { Value } from 'typebox/value';

/** A header by name, whatever its case in `req.headers` (Node lowercases; hand-built requests may not). */
function headerOf(req: HookRequest, name: string): string | undefined {
  let v = req.headers[name];
  if (v === undefined) {
    const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
    v = key === undefined ? undefined : req.headers[key];
  }
  return Array.isArray(v) ? v[0] : v;
}

/** `sha256=<hex>` over the raw bytes: what GitHub sends in X-Hub-Signature-256. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function signatureMatches(secret: string, body: Buffer, given: string): boolean {
  const expected = Buffer.from(signBody(secret, body), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const REPO_ACTIONS = ['created', 'deleted', 'renamed', 'archived', 'unarchived', 'transferred'] as const;

type RefRepo = { id: number; full_name: string };
const ref = (r: RefRepo) => ({ id: String(r.id), fullName: r.full_name });

/** The full repository when the payload has its REST fields, else its id and name. */
function repoOf(r: RefRepo, webUrl: string) {
  return Value.Check(RepoSchema, r) ? toRepository(r as GhRepo, webUrl) : ref(r);
}

/** Maps one parsed payload to a HookEvent; throws PayloadError naming the field when the shape is wrong. */
export function mapEvent(event: string, payload: unknown, webUrl: string): HookEvent {
  switch (event) {
    case 'ping':
      return { kind: 'ping' };
    case 'push': {
      const p = checkPayload<{ ref: string; deleted?: boolean; repository: RefRepo }>(PushPayload, payload, event);
      return { kind: 'push', repo: repoOf(p.repository, webUrl), ref: p.ref, deleted: p.deleted === true };
    }
    case 'create':
    case 'delete': {
      const p = checkPayload<{ ref: string; ref_type: 'tag' | 'branch'; repository: RefRepo }>(RefPayload, payload, event);
      return { kind: event === 'create' ? 'ref-created' : 'ref-deleted', repo: ref(p.repository), refType: p.ref_type, ref: p.ref };
    }
    case 'release': {
      const p = checkPayload<{ action: string; repository: RefRepo }>(ReleasePayload, payload, event);
      return { kind: 'release', repo: ref(p.repository), action: p.action };
    }
    case 'repository': {
      const p = checkPayload<{ action: string; repository: RefRepo }>(RepositoryPayload, payload, event);
      const action = (REPO_ACTIONS as readonly string[]).includes(p.action) ? (p.action as (typeof REPO_ACTIONS)[number]) : 'other';
      return { kind: 'repository', action, repo: repoOf(p.repository, webUrl) };
    }
    case 'team': {
      const p = checkPayload<{ action: string; team?: { id?: number } | null }>(TeamPayload, payload, event);
      return { kind: 'team', action: p.action, teamId: p.team?.id !== undefined ? String(p.team.id) : null };
    }
    case 'team_add': {
      // The legacy twin of team.added_to_repository.
      const p = checkPayload<{ team: { id: number } }>(TeamAddPayload, payload, event);
      return { kind: 'team', action: 'added_to_repository', teamId: String(p.team.id) };
    }
    case 'membership': {
      const p = checkPayload<{ action: string; member?: { id: number } | null; team?: { id?: number } | null }>(MembershipPayload, payload, event);
      return {
        kind: 'membership',
        action: p.action,
        teamId: p.team?.id !== undefined ? String(p.team.id) : null,
        userId: p.member ? String(p.member.id) : null,
      };
    }
    case 'member': {
      const p = checkPayload<{ action: string; member?: { id: number } | null; repository: RefRepo }>(MemberPayload, payload, event);
      return { kind: 'member', action: p.action, repo: ref(p.repository), userId: p.member ? String(p.member.id) : null };
    }
    case 'organization': {
      const p = checkPayload<{ action: string; membership?: { user?: { id: number } | null } | null }>(OrganizationPayload, payload, event);
      const user = p.membership?.user;
      return { kind: 'organization', action: p.action, userId: user ? String(user.id) : null };
    }
    default:
      return { kind: 'ignored', event };
  }
}

/** Verifies and maps a delivery: 401 for a missing or wrong signature, 400 for anything malformed. */
export function verifyGitHubHook(req: HookRequest, secret: string, webUrl: string): HookVerification {
  const deliveryId = headerOf(req, 'x-github-delivery');
  const event = headerOf(req, 'x-github-event');
  // What the request claimed, kept with a refusal for the delivery log.
  const sent = { ...(deliveryId ? { deliveryId } : {}), ...(event ? { event } : {}) };
  const refuse = (status: 400 | 401, reason: string): HookVerification => ({ ok: false, status, reason, ...sent });
  const signature = headerOf(req, 'x-hub-signature-256');
  if (!signature) return refuse(401, 'missing X-Hub-Signature-256');
  if (!secret || !signatureMatches(secret, req.body, signature.trim())) return refuse(401, 'bad signature');
  if (!deliveryId) return refuse(400, 'missing X-GitHub-Delivery');
  if (!event) return refuse(400, 'missing X-GitHub-Event');
  let payload: unknown;
  try {
    let text = req.body.toString('utf8');
    // content_type=form hooks send payload=<urlencoded JSON>; the signature covers the form body.
    if (/application\/x-www-form-urlencoded/i.test(headerOf(req, 'content-type') ?? '')) text = new URLSearchParams(text).get('payload') ?? '';
    payload = JSON.parse(text);
  } catch {
    return refuse(400, 'the body is not JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return refuse(400, 'the body is not a JSON object');
  try {
    return { ok: true, deliveryId, event, hook: mapEvent(event, payload, webUrl) };
  } catch (e) {
    if (e instanceof PayloadError) return refuse(400, e.message);
    throw e;
  }
}
