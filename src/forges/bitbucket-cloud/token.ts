// The OAuth consumer's client-credentials token of an integration with
// `oauth_client_credentials: true`: POST url/site/oauth2/access_token with
// grant_type=client_credentials and the consumer as HTTP Basic (Bitbucket's documented form),
// kept until a minute before it expires (Bitbucket's last two hours) and fetched again then.
// One request in flight at a time; a failure is a ForgeError and nothing is cached.
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { sendOnce } from '../http-send.js';
import { ForgeError } from '../types.js';
import { TokenAnswerSchema, firstProblem } from './schemas.js';

const EARLY_MS = 60_000;
const DEFAULT_LIFETIME_S = 3600;

export interface ClientCredentialsSource {
  /** A valid access token (fetched when none is cached or the cached one is about to expire). */
  get(): Promise<string>;
  close(): void;
}

export function clientCredentialsToken(o: {
  integration: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  ca?: string | undefined;
  now?: () => number;
  timeoutMs?: number;
}): ClientCredentialsSource {
  const url = new URL(o.tokenUrl);
  const agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: false, ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}) }) : new http.Agent({ keepAlive: false });
  const now = o.now ?? Date.now;
  let cached: { token: string; until: number } | null = null;
  let pending: Promise<string> | null = null;
  const fail = (kind: 'unavailable' | 'unauthorized' | 'invalid', detail: string) =>
    new ForgeError(kind, `forge ${o.integration}: the client-credentials token request failed: ${detail} (${url.origin}${url.pathname})`, { integration: o.integration, url: `${url.origin}${url.pathname}` });

  async function fetchToken(): Promise<string> {
    const payload = Buffer.from(new URLSearchParams({ grant_type: 'client_credentials' }).toString());
    const basic = Buffer.from(`${o.clientId}:${o.clientSecret}`, 'utf8').toString('base64');
    const timeout = o.timeoutMs ?? 15_000;
    const got = await sendOnce(
      { method: 'POST', url, headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'Packyard' }, payload },
      { agent, connectTimeoutMs: timeout, requestTimeoutMs: timeout, maxBodyBytes: 1024 * 1024 },
    );
    if (got.kind !== 'response' || !got.res) throw fail('unavailable', got.error?.message ?? 'no answer');
    const { status, body } = got.res;
    if (status === 400 || status === 401 || status === 403) throw fail('unauthorized', `HTTP ${status} (is the consumer private, with the client-credentials grant?)`);
    if (status < 200 || status >= 300) throw fail('unavailable', `HTTP ${status}`);
    let answer: unknown;
    try {
      answer = JSON.parse(body.toString('utf8'));
    } catch {
      throw fail('invalid', 'the answer is not JSON');
    }
    const problem = firstProblem(TokenAnswerSchema, answer);
    if (problem) throw fail('invalid', `unexpected answer at ${problem}`);
    const a = answer as { access_token: string; expires_in?: number };
    const lifetimeMs = Math.max(0, (a.expires_in ?? DEFAULT_LIFETIME_S) * 1000);
    cached = { token: a.access_token, until: now() + lifetimeMs - EARLY_MS };
    return a.access_token;
  }

  return {
    async get() {
      if (cached && now() < cached.until) return cached.token;
      if (!pending) pending = fetchToken().finally(() => (pending = null));
      return pending;
    },
    close: () => agent.destroy(),
  };
}
