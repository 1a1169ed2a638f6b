// Webhook endpoints. The generic hook URL /hooks/generic/HOOK_TOKEN (CodeCommit, Azure DevOps,
// scripts) names its package by a secret token; any body is accepted, nothing is parsed, except
// an AWS SNS envelope (header x-amz-sns-message-type), verified first (generic-hook-sns.ts).
import type { FastifyInstance } from 'fastify';
import type { Sqlite } from '../../db/client.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { Metrics } from '../../metrics.js';
import { sendNotFound } from '../auth.js';
import { requestUpdate } from '../../jobs/requests.js';
import { hashHookToken } from '../../domain/hook-tokens.js';
import type { SnsVerifier } from '../../services/sns.js';
import { rawBodyOf, snsDelivery, SNS_MESSAGE_TYPE_HEADER } from './generic-hook-sns.js';

/** The package of a hook token, the queue for its update, the deliveries counter. */
export interface HookDeps {
  sqlite: Sqlite;
  queue: JobQueue;
  metrics: Pick<Metrics, 'webhookDeliveries'>;
  /** Verifies AWS SNS envelopes (the `x-amz-sns-message-type` branch). */
  sns: SnsVerifier;
}

export function hookRoutes(app: FastifyInstance, deps: HookDeps): void {
  const deliveries = deps.metrics.webhookDeliveries;
  const byHook = deps.sqlite.prepare(`SELECT id FROM packages WHERE hook_token_hash = ?`);
  app.post<{ Params: { token: string } }>('/hooks/generic/:token', async (req, reply) => {
    const row = byHook.get(hashHookToken(req.params.token)) as { id: number } | undefined;
    if (!row) {
      deliveries.inc({ integration: 'generic', outcome: 'unknown_token' });
      return sendNotFound(reply);
    }
    // ---- AWS SNS (CodeCommit triggers, EventBridge), see generic-hook-sns.ts: verified first;
    // SNS posts its JSON as text/plain, which fastify's default parser hands over as a string.
    const snsType = req.headers[SNS_MESSAGE_TYPE_HEADER];
    if (snsType !== undefined) {
      const sns = await snsDelivery(deps, row.id, String(snsType), rawBodyOf(req.body));
      deliveries.inc({ integration: 'generic', outcome: sns.outcome });
      return reply.code(sns.status).send(sns.body);
    }
    // ---- end of the SNS branch
    const { job, deduplicated } = requestUpdate(deps.queue, row.id, 'hook:generic');
    deliveries.inc({ integration: 'generic', outcome: deduplicated ? 'deduplicated' : 'queued' });
    return reply.code(202).send({ status: 'queued', deduplicated, job: { id: job.id } });
  });
}
