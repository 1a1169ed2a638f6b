// The AWS SNS branch of the generic hook URL (DESIGN.md §3 "Generic hook URL"): a delivery with
// an `x-amz-sns-message-type` header is verified by the SNS verifier before anything is queued; a
// confirmed subscription or an unsubscription answers 200 and queues nothing, a verified
// notification (a CodeCommit trigger, an EventBridge event, anything else) queues the package's
// update and answers 202, a refused one answers 400 or 403 and queues nothing.
import type { JobQueue } from '../../jobs/queue.js';
import { requestUpdate } from '../../jobs/requests.js';
import type { SnsResult, SnsVerifier } from '../../services/sns.js';

export const SNS_MESSAGE_TYPE_HEADER = 'x-amz-sns-message-type';

/** What the route answers, and what it may record (outcome for the metric, the verifier's result). */
export interface SnsDelivery {
  status: 200 | 202 | 400 | 403;
  body: Record<string, unknown>;
  /** A bounded label for the deliveries metric. */
  outcome: 'sns_confirmed' | 'sns_unsubscribed' | 'queued' | 'deduplicated' | 'sns_refused';
  result: SnsResult;
}

/**
 * The body's bytes, whether fastify handed over a Buffer or a string (text/plain, as SNS sends
 * it); a body a JSON parser already read is written back (the signature covers the values, not
 * the bytes).
 */
export function rawBodyOf(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body !== null && typeof body === 'object') return Buffer.from(JSON.stringify(body), 'utf8');
  return Buffer.alloc(0);
}

export async function snsDelivery(deps: { sns: SnsVerifier; queue: JobQueue }, packageId: number, messageType: string, rawBody: Buffer): Promise<SnsDelivery> {
  const result = await deps.sns.handle(messageType, rawBody);
  if (!result.ok) return { status: result.status, body: { status: 'error', message: result.reason }, outcome: 'sns_refused', result };
  switch (result.kind) {
    case 'confirmed':
      return { status: 200, body: { status: 'confirmed' }, outcome: 'sns_confirmed', result };
    case 'unsubscribed':
      return { status: 200, body: { status: 'unsubscribed' }, outcome: 'sns_unsubscribed', result };
    case 'notification': {
      const { job, deduplicated } = requestUpdate(deps.queue, packageId, 'hook:generic');
      return { status: 202, body: { status: 'queued', deduplicated, job: { id: job.id }, refs: result.refs }, outcome: deduplicated ? 'deduplicated' : 'queued', result };
    }
  }
}
