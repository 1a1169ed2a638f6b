// The forge sign-in's view of the forges, whatever their type: which integrations offer OAuth
// (their Forge has an `oauth` capability), how each is labelled on the sign-in and profile pages
// (the forge's display name; the integration id added when two share one), what @fastify/oauth2
// needs to talk to one (simple-oauth2's configuration from ForgeOAuth: endpoints, client in the
// form body, the token request's timeout, size cap and ca_file) and reading the token answer (an
// OAuth `error` field, which some forges send with HTTP 200, is a refusal).
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { ForgeError, isForgeError, type Forge, type ForgeOAuth } from '../../../forges/types.js';
import type { Logger } from '../../../log.js';

/** The whole token request (connect included), as the forge HTTP client's request timeout. */
export const TOKEN_REQUEST_TIMEOUT_MS = 30_000;
const TOKEN_RESPONSE_MAX_BYTES = 1024 * 1024;

/** What sign-in needs of the forge provider (src/sync/forges.ts). */
export interface SignInForges {
  /** Every configured integration's id. */
  ids(): string[];
  /** The integration's forge (built once); throws when it cannot be built. */
  get(id: string): Forge;
}

export interface SignInIntegration {
  id: string;
  /** The display name, with the integration id after it when another integration has the same one. */
  label: string;
  oauth: ForgeOAuth;
}

export interface SignInSet {
  /** Integrations whose forge offers sign-in, in configuration order. */
  usable: SignInIntegration[];
  /** Integrations whose forge could not be built (their sign-in answers "unavailable"), with why. */
  broken: Map<string, string>;
}

/** The integrations a user may sign in with; forges that cannot be built are logged and set apart. */
export function signInIntegrations(forges: SignInForges, log: Logger): SignInSet {
  const found: { id: string; name: string; oauth: ForgeOAuth }[] = [];
  const broken = new Map<string, string>();
  for (const id of forges.ids()) {
    let forge: Forge;
    try {
      forge = forges.get(id);
    } catch (e) {
      const reason = isForgeError(e) || e instanceof Error ? e.message : String(e);
      log.error({ integration: id, err: reason }, 'forge misconfigured: its sign-in is unavailable');
      broken.set(id, reason);
      continue;
    }
    if (forge.oauth) found.push({ id, name: forge.displayName, oauth: forge.oauth });
  }
  const count = new Map<string, number>();
  for (const f of found) count.set(f.name, (count.get(f.name) ?? 0) + 1);
  const usable = found.map((f) => ({ id: f.id, label: (count.get(f.name) ?? 0) > 1 ? `${f.name} (${f.id})` : f.name, oauth: f.oauth }));
  return { usable, broken };
}

/** @fastify/oauth2's `credentials` option (simple-oauth2's configuration). */
export interface OAuth2Credentials {
  client: { id: string; secret: string };
  auth: { authorizeHost: string; authorizePath: string; tokenHost: string; tokenPath: string };
  options: { authorizationMethod: 'body' | 'header'; bodyFormat: 'form' };
  http: { timeout: number; maxBytes: number; agent?: https.Agent };
}

/**
 * simple-oauth2 joins an absolute path to the host, so endpoints under a path prefix keep it.
 * `http` goes to @hapi/wreck: with a ca, an https.Agent that trusts it (used for this
 * integration's token requests only; nothing global changes).
 */
export function oauth2Credentials(o: ForgeOAuth): OAuth2Credentials {
  const authorize = new URL(o.authorizeUrl);
  const token = new URL(o.tokenUrl);
  return {
    client: { id: o.clientId, secret: o.clientSecret },
    auth: { authorizeHost: authorize.origin, authorizePath: authorize.pathname, tokenHost: token.origin, tokenPath: token.pathname },
    // simple-oauth2's 'header' is HTTP Basic with the client id and secret.
    options: { authorizationMethod: o.clientAuth === 'basic' ? 'header' : 'body', bodyFormat: 'form' },
    http: {
      timeout: TOKEN_REQUEST_TIMEOUT_MS,
      maxBytes: TOKEN_RESPONSE_MAX_BYTES,
      ...(o.ca !== undefined && token.protocol === 'https:' ? { agent: new https.Agent({ ca: [...rootCertificates, o.ca] }) } : {}),
    },
  };
}

/** The access token of the token endpoint's answer; a refusal (an `error`, even in a 200) is a 'forbidden' ForgeError. */
export function accessTokenOf(integration: string, answer: Record<string, unknown> | null | undefined): string {
  if (answer && typeof answer.error === 'string') {
    const desc = typeof answer.error_description === 'string' ? `: ${answer.error_description}` : '';
    throw new ForgeError('forbidden', `forge ${integration}: the code exchange was refused (${answer.error}${desc})`, { integration });
  }
  const token = answer?.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new ForgeError('invalid', `forge ${integration}: the code exchange answered no access_token`, { integration });
  }
  return token;
}

/** A failed token request (network, TLS, timeout, non-2xx: errors of @hapi/wreck) as a ForgeError. */
export function exchangeFailed(integration: string, o: ForgeOAuth, e: unknown): ForgeError {
  // A refusal answered with an error status (RFC 6749 §5.2: 400 with an `error`), as the answer's.
  const payload = errorPayload(e);
  if (payload) {
    try {
      accessTokenOf(integration, payload);
    } catch (refusal) {
      if (isForgeError(refusal) && refusal.kind === 'forbidden') return refusal;
    }
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ForgeError('unavailable', `forge ${integration}: the code exchange failed (${message})`, { integration, url: o.tokenUrl });
}

/** The JSON body of an error answer of the token endpoint, when @hapi/wreck kept one. */
function errorPayload(e: unknown): Record<string, unknown> | null {
  const data = (e as { data?: { payload?: unknown } } | null)?.data;
  let p = data?.payload;
  if (Buffer.isBuffer(p)) p = p.toString('utf8');
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch {
      return null;
    }
  }
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
}
