// Webhook payloads of the fake Bitbucket Data Center, after Atlassian's documented examples
// ("Event payload" page): repo:refs_changed (push, tags included), repo:modified (rename: old and
// new repository), diagnostics:ping ({"test": true}), and delivery with Bitbucket's headers:
// X-Event-Key, X-Request-Id (a UUID per request), X-Hub-Signature: sha256=HMAC(secret, raw body).

import { createHmac, randomUUID } from 'node:crypto';
import { postDelivery, type Delivery } from '../kit/webhooks.js';
import type { BitbucketState, Repository, User } from './state.js';

export const ZERO_SHA = '0000000000000000000000000000000000000000';
export type EventKey = 'repo:refs_changed' | 'repo:modified' | 'diagnostics:ping' | (string & {});

export interface RefChange {
  /** 'refs/heads/main' or 'refs/tags/v1.0.0' (a bare name is a branch). */
  ref: string;
  fromHash?: string;
  toHash?: string;
}

/** Bitbucket's payload date: 2017-09-19T09:58:11+0000. */
function bbDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

export class Payloads {
  constructor(private readonly state: BitbucketState) {}

  actor(u: User): Record<string, unknown> {
    return { name: u.name, emailAddress: u.emailAddress, id: u.id, displayName: u.displayName, active: u.active, slug: u.slug, type: 'NORMAL' };
  }

  repository(r: Repository): Record<string, unknown> {
    const p = this.state.projectOf(r);
    return {
      slug: r.slug,
      id: r.id,
      name: r.name,
      hierarchyId: r.id.toString(16).padStart(20, '0'),
      scmId: 'git',
      state: 'AVAILABLE',
      statusMessage: 'Available',
      forkable: true,
      project: { key: p.key, id: p.id, name: p.name, public: p.public, type: 'NORMAL' },
      public: r.public,
      archived: r.archived,
    };
  }

  /** repo:refs_changed: one change per ref; ADD when fromHash is zero, DELETE when toHash is. */
  refsChanged(r: Repository, actor: User, changes: RefChange[]): Record<string, unknown> {
    return {
      eventKey: 'repo:refs_changed',
      date: bbDate(this.state.tick()),
      actor: this.actor(actor),
      repository: this.repository(r),
      changes: changes.map((c) => {
        const id = c.ref.startsWith('refs/') ? c.ref : `refs/heads/${c.ref}`;
        const tag = id.startsWith('refs/tags/');
        const fromHash = c.fromHash ?? ZERO_SHA;
        const toHash = c.toHash ?? ZERO_SHA;
        return {
          ref: { id, displayId: id.replace(/^refs\/(heads|tags)\//, ''), type: tag ? 'TAG' : 'BRANCH' },
          refId: id,
          fromHash,
          toHash,
          type: fromHash === ZERO_SHA ? 'ADD' : toHash === ZERO_SHA ? 'DELETE' : 'UPDATE',
        };
      }),
    };
  }

  /** repo:modified: the repository before (`old`) and after (`new`), e.g. a rename. */
  modified(old: Repository, now: Repository, actor: User): Record<string, unknown> {
    return { eventKey: 'repo:modified', date: bbDate(this.state.tick()), actor: this.actor(actor), old: this.repository(old), new: this.repository(now) };
  }

  /** diagnostics:ping (the "Test connection" button). */
  ping(): Record<string, unknown> {
    return { test: true };
  }
}

export interface DeliverOptions {
  /** Signs the body: X-Hub-Signature: sha256=<hex HMAC>. */
  secret?: string | null;
  hookId?: number;
}

/** POSTs one event as Bitbucket does; the Delivery records headers, body and status. */
export async function deliverTo(url: string, eventKey: EventKey, payload: object, opts: DeliverOptions = {}): Promise<Delivery> {
  const body = Buffer.from(JSON.stringify(payload));
  const requestId = randomUUID();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'User-Agent': 'Atlassian HttpClient 3.0.4 / Bitbucket-8.19.0 (8019000) / Default',
    'X-Event-Key': eventKey,
    'X-Request-Id': requestId,
  };
  if (opts.secret !== undefined && opts.secret !== null && opts.secret !== '') {
    headers['X-Hub-Signature'] = `sha256=${createHmac('sha256', opts.secret).update(body).digest('hex')}`;
  }
  const status = await postDelivery(url, headers, body);
  return { hookId: opts.hookId ?? 0, event: eventKey, deliveryId: requestId, status, headers, body, payload };
}
