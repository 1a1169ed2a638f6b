// The token API: trigger a package update (scope "update") and follow the job it queued.
import type { FastifyInstance } from 'fastify';
import type { Sqlite } from '../../db/client.js';
import { can } from '../../domain/policy.js';
import { shownError } from '../../domain/error-detail.js';
import { ORG_NAME_PATTERN } from '../../domain/orgs.js';
import { authenticateRequest, rejectRequest, sendNotFound } from '../auth.js';
import type { JobQueue, JobRow } from '../../jobs/queue.js';
import { requestUpdate } from '../../jobs/requests.js';
import type { AccessReader } from '../../services/access.js';
import type { ComposerReader } from '../../services/composer-reader.js';
import type { FailedAuthCounter } from '../../services/failed-auth.js';
import type { TokenAuthenticator } from '../../services/tokens.js';

/**
 * A job as the API shows it. A connection error's detail only for package:diagnose (never a
 * token): `errorCode` is the package's last error code, which decides (shownError).
 */
export function jobView(job: JobRow, errorCode: string | null = null, mayDiagnose = false): Record<string, unknown> {
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    attempts: job.attempts,
    created_at: new Date(job.createdAt).toISOString(),
    started_at: job.startedAt ? new Date(job.startedAt).toISOString() : null,
    finished_at: job.finishedAt ? new Date(job.finishedAt).toISOString() : null,
    error: shownError(job.error, errorCode, mayDiagnose),
    result: job.result,
  };
}

/** Token authentication and access, the package and job reads, the queue for updates. */
export interface ApiDeps {
  sqlite: Sqlite;
  tokens: TokenAuthenticator;
  failedAuth: FailedAuthCounter;
  reader: ComposerReader;
  access: AccessReader;
  queue: JobQueue;
}

export function apiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const reader = deps.reader;
  const errorCodeOf = deps.sqlite.prepare(`SELECT last_error_code AS code FROM packages WHERE id = ?`);
  const lastErrorCode = (id: number): string | null => (errorCodeOf.get(id) as { code: string | null } | undefined)?.code ?? null;

  app.post<{ Params: { org: string; vendor: string; name: string } }>('/api/:org/packages/:vendor/:name/update', (req, reply) => {
    const principal = authenticateRequest(deps.tokens, req);
    if (!principal) return rejectRequest(deps.failedAuth, req, reply);
    const org = ORG_NAME_PATTERN.test(req.params.org) ? reader.org(req.params.org) : null;
    if (!org) return sendNotFound(reply);
    const facts = deps.access.facts(principal, org);
    const pkg = reader.package(org.id, `${req.params.vendor}/${req.params.name}`.toLowerCase());
    if (!pkg || !can(principal, 'package:read', { org: facts, packageId: pkg.id })) return sendNotFound(reply);
    if (!can(principal, 'package:update', { org: facts, packageId: pkg.id })) {
      return reply.code(403).send({ status: 'error', message: 'This token may only read; create one with --scope update to trigger updates.' });
    }
    const trigger = principal.kind === 'token' ? `api:token:${principal.tokenId}` : 'api';
    const { job, deduplicated } = requestUpdate(deps.queue, pkg.id, trigger);
    return reply.code(202).send({ status: 'queued', deduplicated, job: jobView(job, lastErrorCode(pkg.id), can(principal, 'package:diagnose', { org: facts, packageId: pkg.id })) });
  });

  app.get<{ Params: { org: string; id: string } }>('/api/:org/jobs/:id', (req, reply) => {
    const principal = authenticateRequest(deps.tokens, req);
    if (!principal) return rejectRequest(deps.failedAuth, req, reply);
    const org = ORG_NAME_PATTERN.test(req.params.org) ? reader.org(req.params.org) : null;
    const job = /^\d+$/.test(req.params.id) ? deps.queue.get(Number(req.params.id)) : null;
    if (!org || !job) return sendNotFound(reply);
    const packageId = Number(job.payload.packageId);
    const facts = deps.access.facts(principal, org);
    const owned = deps.sqlite.prepare(`SELECT 1 FROM packages WHERE id = ? AND org_id = ?`).get(packageId, org.id) !== undefined;
    if (!owned || !can(principal, 'package:read', { org: facts, packageId })) return sendNotFound(reply);
    return reply.send(jobView(job, lastErrorCode(packageId), can(principal, 'package:diagnose', { org: facts, packageId })));
  });
}
