// Webhook deliveries as GHES sends them: JSON (or form) body, event and delivery headers, and
// X-Hub-Signature-256 over the exact bytes with the hook's secret; sent by the kit's postDelivery.

import { createHmac, randomUUID } from 'node:crypto';
import { postDelivery, type Delivery } from '../kit/webhooks.js';
import type { Urls } from './render.js';
import * as render from './render.js';
import type { GhesState, Hook } from './state.js';

export type { Delivery } from '../kit/webhooks.js';

export async function deliverToHook(
  state: GhesState,
  urls: Urls,
  hook: Hook,
  event: string,
  payload: object,
  opts: { deliveryId?: string; badSignature?: boolean; flavor: 'ghes' | 'dotcom' },
): Promise<Delivery> {
  const deliveryId = opts.deliveryId ?? randomUUID();
  const json = JSON.stringify(payload);
  const form = hook.config.content_type === 'form';
  const body = Buffer.from(form ? `payload=${encodeURIComponent(json)}` : json);
  const secret = hook.config.secret;
  const headers: Record<string, string> = {
    'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json',
    'User-Agent': 'GitHub-Hookshot/3f2a1b9',
    'X-GitHub-Event': event,
    'X-GitHub-Delivery': deliveryId,
    'X-GitHub-Hook-ID': String(hook.id),
    'X-GitHub-Hook-Installation-Target-Type': 'organization',
    'X-GitHub-Hook-Installation-Target-ID': String(hook.orgId),
  };
  if (opts.flavor === 'ghes') {
    headers['X-GitHub-Enterprise-Version'] = '3.19.0';
    headers['X-GitHub-Enterprise-Host'] = new URL(urls.web).host;
  }
  if (secret !== undefined && secret !== '') {
    const sign = (alg: 'sha256' | 'sha1'): string => {
      const hex = createHmac(alg, secret).update(body).digest('hex');
      if (opts.badSignature !== true) return hex;
      // Flip the first hex digit: same length, wrong value.
      return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    };
    headers['X-Hub-Signature-256'] = `sha256=${sign('sha256')}`;
    headers['X-Hub-Signature'] = `sha1=${sign('sha1')}`;
  }
  const status = await postDelivery(hook.config.url, headers, body);
  void state;
  return { hookId: hook.id, event, deliveryId, status, headers, body, payload };
}

/** Hooks of `org` that receive `event` ("*" subscribes to everything; ping goes to every active hook). */
export function subscribedHooks(state: GhesState, orgId: number, event: string): Hook[] {
  return [...state.hooks.values()].filter((h) => h.orgId === orgId && h.active && (event === 'ping' || h.events.includes('*') || h.events.includes(event)));
}

export function pingPayload(state: GhesState, urls: Urls, hook: Hook, sender: Parameters<typeof render.simpleUser>[1] | undefined) {
  const org = state.orgOf(hook);
  const h = render.orgHook(urls, state, hook);
  const payload: Record<string, unknown> = {
    zen: 'Design for failure.',
    hook_id: hook.id,
    hook: { ...h, config: { ...h.config }, last_response: { code: null, status: 'unused', message: null } },
    organization: { ...render.orgSimple(urls, org) },
  };
  if (sender !== undefined) payload['sender'] = render.simpleUser(urls, sender);
  return payload;
}
