// Reads the access token from an Authorization header: HTTP basic (user "token", the token
// as password) or Bearer, as composer sends them from auth.json.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../domain/policy.js';
import type { TokenAuthenticator } from '../services/tokens.js';
import type { FailedAuthCounter } from '../services/failed-auth.js';

export function secretFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme !== 'basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return decoded || null;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // The documented form is user "token" with the token as password; a token given as the
  // user name with an empty password is accepted too.
  return password || user || null;
}

export function authenticateRequest(tokens: TokenAuthenticator, req: FastifyRequest, gen?: number): Principal | null {
  const secret = secretFromHeader(req.headers.authorization);
  return secret ? tokens.authenticate(secret, Date.now(), gen) : null;
}

export function sendUnauthorized(reply: FastifyReply, hadCredentials: boolean): FastifyReply {
  return reply
    .code(401)
    .header('WWW-Authenticate', 'Basic realm="Packyard", charset="UTF-8"')
    .header('Cache-Control', 'no-store')
    .type('application/json')
    .send({
      status: 'error',
      message: hadCredentials
        ? 'The token is invalid, expired or revoked. Create a new one with: packyard token create'
        : 'Authentication required: add a Packyard token to auth.json (http-basic with user "token", or bearer).',
    });
}

/** The 401 for a request without a working token; a token that was sent and failed is counted per address. */
export function rejectRequest(failures: FailedAuthCounter, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const hadCredentials = secretFromHeader(req.headers.authorization) !== null;
  if (hadCredentials) failures.record(req.ip);
  return sendUnauthorized(reply, hadCredentials);
}

export function sendNotFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).header('Cache-Control', 'no-store').type('application/json').send({ status: 'error', message: 'Not found' });
}

/** Parses an If-Modified-Since header to whole seconds, or null. */
export function ifModifiedSince(req: FastifyRequest): number | null {
  const h = req.headers['if-modified-since'];
  if (!h) return null;
  const t = Date.parse(h);
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
}

export function acceptsGzip(req: FastifyRequest): boolean {
  const h = req.headers['accept-encoding'];
  return typeof h === 'string' && /\bgzip\b/i.test(h);
}
