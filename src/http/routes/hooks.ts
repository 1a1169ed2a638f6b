// The generic hook URL: POST /hooks/generic/HOOK_TOKEN (CodeCommit through SNS, Azure DevOps,
// Packagist-style senders, scripts and CI) names its package by a secret token. Any body of any
// content type is taken raw (nothing is parsed that need not be) and queues the package's update
// (202; coalesced while one is queued). A JSON body is only looked at for the delivery log
// (src/domain/generic-hook-body.ts); an Authorization header (Azure DevOps' optional basic auth)
// is ignored. With `x-amz-sns-message-type` the message goes to the SNS verifier first: only a
// verified notification queues anything. Every delivery to a known token is recorded with its
// outcome (src/services/generic-deliveries.ts); an unknown token is counted in /metrics only.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Sqlite } from '../../db/client.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { sendNotFound } from '../auth.js';
import { requestUpdate } from '../../jobs/requests.js';
import { hashHookToken } from '../../domain/hook-tokens.js';
import { classifyHookBody, sameRepository } from '../../domain/generic-hook-body.js';
import { GenericDeliveries } from '../../services/generic-deliveries.js';
import type { SnsResult } from '../../services/sns.js';
import { redactUrl } from '../../vcs/url.js';

/** Bodies above this get 413 (SNS caps messages at 256 KB; Azure DevOps pushes with many commits stay well below). */
export const GENERIC_BODY_LIMIT = 4 * 1024 * 1024;

/** The package of a hook token, the queue for its update, the delivery log and counter, the SNS verifier. */
export interface HookDeps {
  sqlite: Sqlite;
  queue: JobQueue;
  log: Logger;
  metrics: Pick<Metrics, 'webhookDeliveries'>;
  /** Verifies SNS messages (src/services/sns.ts); without one every SNS message is refused (403). */
  sns?: { handle(messageType: string, rawBody: Buffer): Promise<SnsResult> } | undefined;
}

interface HookPackage {
  id: number;
  url: string;
  org: string;
}

/** What a delivery asks for: the update (queued or coalesced), or an answer without one. */
type Received =
  | { queue: true; kind: string; action?: string | undefined; refs: string[]; note?: string | undefined }
  | { queue: false; kind: string; action?: string | undefined; status: 200 | 400 | 403; reply: object; outcome: string; refused: boolean };

/** Unverified header text for the log: printable, bounded. */
const claimed = (v: string, max: number) => v.replace(/[^\x20-\x7e]/g, '?').slice(0, max);

/** The one place an SNS verifier's result becomes a reply and a delivery record. */
export function fromSns(messageType: string, r: SnsResult): Received {
  const action = claimed(messageType, 64);
  if (!r.ok) {
    return { queue: false, kind: 'sns', action, status: r.status, reply: { status: 'error', message: r.reason }, outcome: `refused (${r.status}): ${r.reason}`, refused: true };
  }
  switch (r.kind) {
    case 'confirmed':
      return { queue: false, kind: 'sns-confirmation', action, status: 200, reply: { status: 'confirmed' }, outcome: 'subscription confirmed', refused: false };
    case 'unsubscribed':
      return { queue: false, kind: 'sns-unsubscribe', action, status: 200, reply: { status: 'unsubscribed' }, outcome: 'unsubscribe confirmation received; nothing queued', refused: false };
    case 'notification':
      return { queue: true, kind: r.source === 'sns' ? 'sns' : `sns-${r.source}`, action, refs: r.refs };
  }
}

/** A body without SNS: always the update; Packagist-style URLs naming another repository are noted. */
export function fromBody(pkg: Pick<HookPackage, 'url'>, body: Buffer): Received {
  const b = classifyHookBody(body);
  const note = b.kind === 'packagist' && b.url !== undefined && !sameRepository(b.url, pkg.url)
    ? `the body names ${redactUrl(b.url)}, not this package's repository ${redactUrl(pkg.url)}`
    : undefined;
  return { queue: true, kind: b.kind, action: b.event, refs: b.refs, note };
}

export function hookRoutes(app: FastifyInstance, deps: HookDeps): void {
  const metric = deps.metrics.webhookDeliveries;
  const log = deps.log.child({ module: 'hooks' });
  const deliveries = new GenericDeliveries(deps.sqlite);
  const byHook = deps.sqlite.prepare(
    `SELECT p.id, p.url, o.name AS org FROM packages p JOIN organizations o ON o.id = p.org_id WHERE p.hook_token_hash = ?`,
  );

  function record(pkg: HookPackage, d: Parameters<GenericDeliveries['record']>[0]): void {
    try {
      deliveries.record(d);
    } catch (e) {
      // The delivery's work is done (or refused) either way: a full disk must not turn it into a 500.
      log.error({ packageId: pkg.id, err: e }, 'could not log a generic hook delivery');
    }
  }

  function answer(reply: FastifyReply, pkg: HookPackage, r: Received): FastifyReply {
    if (!r.queue) {
      record(pkg, { packageId: pkg.id, kind: r.kind, action: r.action, status: r.refused ? 'rejected' : 'accepted', outcome: r.outcome, refs: [] });
      metric.inc({ integration: 'generic', outcome: r.refused ? 'refused' : r.kind });
      if (r.refused) log.warn({ packageId: pkg.id, kind: r.kind, status: r.status, outcome: r.outcome }, 'generic hook delivery refused');
      return reply.code(r.status).send(r.reply);
    }
    const { job, deduplicated } = requestUpdate(deps.queue, pkg.id, 'hook:generic');
    const outcome = (deduplicated ? `coalesced: update job ${job.id} was already queued` : `queued: update job ${job.id}`) + (r.note ? `; note: ${r.note}` : '');
    record(pkg, {
      packageId: pkg.id, kind: r.kind, action: r.action, status: 'accepted', outcome, refs: r.refs,
      targets: { updates: [{ org: pkg.org, packageId: pkg.id }] },
    });
    metric.inc({ integration: 'generic', outcome: deduplicated ? 'coalesced' : 'queued' });
    return reply.code(202).send({ status: deduplicated ? 'coalesced' : 'queued', deduplicated, job: { id: job.id }, kind: r.kind, refs: r.refs });
  }

  app.register(async (scope) => {
    // Any content type, kept raw: SNS signs the exact text; form, XML and binary bodies are fine.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: GENERIC_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { token: string } }>('/hooks/generic/:token', { bodyLimit: GENERIC_BODY_LIMIT }, async (req, reply) => {
      const pkg = byHook.get(hashHookToken(req.params.token)) as HookPackage | undefined;
      if (!pkg) {
        metric.inc({ integration: 'generic', outcome: 'unknown_token' });
        return sendNotFound(reply);
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const snsType = req.headers['x-amz-sns-message-type'];
      if (typeof snsType === 'string') {
        const result: SnsResult = deps.sns
          ? await deps.sns.handle(snsType, body)
          : { ok: false, status: 403, reason: 'SNS verification is not available' };
        return answer(reply, pkg, fromSns(snsType, result));
      }
      return answer(reply, pkg, fromBody(pkg, body));
    });
  });
}
