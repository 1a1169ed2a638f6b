// GET /metrics: Prometheus text format. Not public data: with server.metrics_token set, only
// `Authorization: Bearer <token>` reads it; without, only direct requests from loopback do.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import type { Metrics } from '../../metrics.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/**
 * A direct loopback request: the socket peer is loopback and no proxy header is present. The
 * socket, not req.ip: behind a reverse proxy on the same host every peer is loopback, and a
 * client-supplied X-Forwarded-For must not make a remote request look local.
 */
function directFromLoopback(req: FastifyRequest): boolean {
  return isLoopback(req.socket.remoteAddress) && req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;
}

/** server.metrics_token, and the registry to serve. */
export interface MetricsRouteDeps {
  config: Pick<Config, 'server'>;
  metrics: Pick<Metrics, 'registry'>;
}

export function metricsRoutes(app: FastifyInstance, deps: MetricsRouteDeps): void {
  const token = deps.config.server.metrics_token;
  const expected = token ? sha256(token) : null;
  app.get('/metrics', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (expected) {
      const header = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m || !timingSafeEqual(sha256(m[1] as string), expected)) {
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Bearer realm="Packyard metrics"')
          .send({ status: 'error', message: 'Send the configured server.metrics_token as a Bearer token.' });
      }
    } else if (!directFromLoopback(req)) {
      return reply.code(403).send({ status: 'error', message: 'Set server.metrics_token to read /metrics from other hosts.' });
    }
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}
