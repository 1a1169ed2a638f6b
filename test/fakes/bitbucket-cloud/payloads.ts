// Webhook payloads of the fake Bitbucket Cloud, after Atlassian's "Event payloads" page: repo:push
// (`push.changes[]` with `new`/`old` refs of type branch or tag, `target.hash`, and the created /
// closed / forced flags), the common Account and Repository entities, and delivery with the
// documented headers: X-Event-Key, X-Hook-UUID, X-Request-UUID, X-Attempt-Number, and
// X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)> when the hook has a secret.

import { createHmac, randomUUID } from 'node:crypto';
import { postDelivery, type Delivery } from '../kit/webhooks.js';
import { renderRepoRef, renderUser, renderWorkspaceRef, type Urls } from './render.js';
import type { BitbucketCloudState, Repository, User } from './state.js';

export type EventKey = 'repo:push' | 'repo:updated' | 'repo:deleted' | (string & {});

export interface PushChange {
  /** 'branch' (default) or 'tag'. */
  type?: 'branch' | 'tag';
  name: string;
  /** The ref's commit before the push; absent or null: the ref was created. */
  old?: string | null;
  /** The ref's commit after the push; absent or null: the ref was deleted. */
  new?: string | null;
  forced?: boolean;
}

export class Payloads {
  constructor(
    private readonly state: BitbucketCloudState,
    private readonly urls: () => Urls,
  ) {}

  actor(u: User): Record<string, unknown> {
    return renderUser(u, this.urls());
  }

  /** The Repository entity of payloads. */
  repository(r: Repository): Record<string, unknown> {
    const urls = this.urls();
    const w = this.state.workspaceOf(r);
    const p = this.state.projectOf(r);
    return {
      ...renderRepoRef(this.state, r, urls),
      scm: 'git',
      website: null,
      is_private: r.isPrivate,
      workspace: renderWorkspaceRef(w, urls),
      project: { type: 'project', key: p.key, uuid: p.uuid, name: p.name, links: { html: { href: `${urls.web}/${w.slug}/workspace/projects/${p.key}` } } },
      owner: { type: 'team', display_name: w.name, uuid: w.uuid, links: renderWorkspaceRef(w, urls)['links'] },
    };
  }

  private ref(r: Repository, c: PushChange, hash: string, actor: User): Record<string, unknown> {
    const urls = this.urls();
    const full = `${this.state.workspaceOf(r).slug}/${r.slug}`;
    const type = c.type ?? 'branch';
    const out: Record<string, unknown> = {
      type,
      name: c.name,
      target: {
        type: 'commit',
        hash,
        date: new Date(this.state.tick()).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        author: { type: 'author', raw: `${actor.displayName} <${actor.email}>`, user: this.actor(actor) },
        message: 'Update files\n',
        parents: [],
        links: { self: { href: `${urls.api}/repositories/${full}/commit/${hash}` }, html: { href: `${urls.web}/${full}/commits/${hash}` } },
      },
      links: {
        self: { href: `${urls.api}/repositories/${full}/refs/${type === 'tag' ? 'tags' : 'branches'}/${encodeURIComponent(c.name)}` },
        commits: { href: `${urls.api}/repositories/${full}/commits/${encodeURIComponent(c.name)}` },
        html: { href: `${urls.web}/${full}/${type === 'tag' ? 'commits/tag' : 'branch'}/${encodeURIComponent(c.name)}` },
      },
    };
    if (type === 'branch') {
      out['merge_strategies'] = ['merge_commit', 'squash', 'fast_forward'];
      out['default_merge_strategy'] = 'merge_commit';
    }
    return out;
  }

  /** repo:push: one change per ref; `old` null when created, `new` null when deleted. */
  push(r: Repository, actor: User, changes: PushChange[]): Record<string, unknown> {
    const urls = this.urls();
    const full = `${this.state.workspaceOf(r).slug}/${r.slug}`;
    return {
      push: {
        changes: changes.map((c) => {
          const oldHash = c.old ?? null;
          const newHash = c.new ?? null;
          const range = `${newHash ?? ''}..${oldHash ?? ''}`.replace(/^\.\.|\.\.$/g, '');
          return {
            old: oldHash === null ? null : this.ref(r, c, oldHash, actor),
            new: newHash === null ? null : this.ref(r, c, newHash, actor),
            truncated: false,
            created: oldHash === null,
            forced: c.forced ?? false,
            closed: newHash === null,
            commits: [],
            links: {
              commits: { href: `${urls.api}/repositories/${full}/commits?include=${newHash ?? ''}&exclude=${oldHash ?? ''}` },
              diff: { href: `${urls.api}/repositories/${full}/diff/${range}` },
              html: { href: `${urls.web}/${full}/branches/compare/${range}` },
            },
          };
        }),
      },
      repository: this.repository(r),
      actor: this.actor(actor),
    };
  }
}

export interface DeliverOptions {
  /** Signs the body: X-Hub-Signature: sha256=<hex HMAC>. */
  secret?: string | null;
  /** X-Hook-UUID (a hook's uuid; a random one when sent without a hook). */
  hookUuid?: string;
  attempt?: number;
  /** X-Request-UUID (default a fresh one): pass a previous delivery's to send it again. */
  requestUuid?: string;
}

/** POSTs one event as Bitbucket Cloud does; the Delivery records headers, body and status. */
export async function deliverTo(url: string, eventKey: EventKey, payload: object, opts: DeliverOptions = {}): Promise<Delivery> {
  const body = Buffer.from(JSON.stringify(payload));
  const requestUuid = opts.requestUuid ?? randomUUID();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'Bitbucket-Webhooks/2.0',
    'X-Event-Key': eventKey,
    'X-Hook-UUID': (opts.hookUuid ?? randomUUID()).replace(/[{}]/g, ''),
    'X-Request-UUID': requestUuid,
    'X-Attempt-Number': String(opts.attempt ?? 1),
  };
  if (opts.secret !== undefined && opts.secret !== null && opts.secret !== '') {
    headers['X-Hub-Signature'] = `sha256=${createHmac('sha256', opts.secret).update(body).digest('hex')}`;
  }
  const status = await postDelivery(url, headers, body);
  return { hookId: 0, event: eventKey, deliveryId: requestUuid, status, headers, body, payload };
}
