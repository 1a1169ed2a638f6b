// Webhook deliveries as GitLab sends them: JSON body, X-Gitlab-Event, the hook's secret verbatim
// in X-Gitlab-Token, X-Gitlab-Instance, X-Gitlab-Webhook-UUID (per hook), X-Gitlab-Event-UUID (per
// event), Idempotency-Key (per delivery, stable across retries); sent by the kit's postDelivery.
// Hooks that keep failing are disabled the way GitLab does it: 4 consecutive failures make a hook
// temporarily_disabled with a growing backoff, 40 make it disabled.

import { randomUUID } from 'node:crypto';
import { postDelivery, type Delivery } from '../kit/webhooks.js';
import type { Hook } from './model.js';
import { VERSION } from './routes-projects.js';

export type { Delivery } from '../kit/webhooks.js';

export const EVENT_HEADER = {
  push: 'Push Hook',
  tag_push: 'Tag Push Hook',
  release: 'Release Hook',
  member: 'Member Hook',
  subgroup: 'Subgroup Hook',
  project: 'Project Hook',
} as const;
export type EventName = (typeof EVENT_HEADER)[keyof typeof EVENT_HEADER];

export interface DeliverOptions {
  /** Sent as X-Gitlab-Token when not empty. */
  token?: string;
  /** X-Gitlab-Webhook-UUID (a fresh one when absent). */
  hookUuid?: string;
  /** X-Gitlab-Event-UUID, shared by every hook the same event goes to. */
  eventUuid?: string;
  /** Idempotency-Key (a fresh one when absent); a retry sends the same. */
  idempotencyKey?: string;
  hookId?: number;
}

export async function deliverTo(instance: string, url: string, event: string, payload: object, opts: DeliverOptions = {}): Promise<Delivery> {
  const body = Buffer.from(JSON.stringify(payload));
  const idempotencyKey = opts.idempotencyKey ?? randomUUID();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': `GitLab/${VERSION}`,
    'X-Gitlab-Event': event,
    'X-Gitlab-Instance': instance,
    'X-Gitlab-Webhook-UUID': opts.hookUuid ?? randomUUID(),
    'X-Gitlab-Event-UUID': opts.eventUuid ?? randomUUID(),
    'Idempotency-Key': idempotencyKey,
  };
  if (opts.token !== undefined && opts.token !== '') headers['X-Gitlab-Token'] = opts.token;
  const status = await postDelivery(url, headers, body);
  return { hookId: opts.hookId ?? 0, event, deliveryId: idempotencyKey, status, headers, body, payload };
}

/** Whether a hook runs now (not disabled, or its temporary disablement has run out). */
export function hookExecutable(h: Hook, now = Date.now()): boolean {
  if (h.alertStatus === 'disabled') return false;
  if (h.alertStatus === 'temporarily_disabled') return h.disabledUntil !== null && Date.parse(h.disabledUntil) <= now;
  return true;
}

/** Records a delivery's outcome on the hook (GitLab's auto-disabling). */
export function recordOutcome(h: Hook, failures: Map<number, number>, status: number, now = Date.now()): void {
  if (status >= 200 && status < 300) {
    failures.delete(h.id);
    h.alertStatus = 'executable';
    h.disabledUntil = null;
    return;
  }
  const n = (failures.get(h.id) ?? 0) + 1;
  failures.set(h.id, n);
  if (n >= 40) {
    h.alertStatus = 'disabled';
    h.disabledUntil = null;
  } else if (n >= 4) {
    h.alertStatus = 'temporarily_disabled';
    const backoffMinutes = Math.min(2 ** (n - 4), 24 * 60);
    h.disabledUntil = new Date(now + backoffMinutes * 60_000).toISOString();
  }
}

/** GitLab's push_events_branch_filter: wildcard (glob with *), regex, or all branches. */
export function branchMatches(h: Hook, branch: string): boolean {
  if (h.branchFilterStrategy === 'all_branches' || h.pushEventsBranchFilter === '') return true;
  if (h.branchFilterStrategy === 'regex') {
    try {
      return new RegExp(h.pushEventsBranchFilter).test(branch);
    } catch {
      return false;
    }
  }
  return h.pushEventsBranchFilter.split(',').some((pattern) => {
    const re = new RegExp(`^${pattern.trim().split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return re.test(branch);
  });
}
