// AWS SNS deliveries on the generic hook URL, the I/O part (reference/forges.md §4, DESIGN.md §3
// "Generic hook URL"): verifies an envelope's RSA signature (SignatureVersion 1: SHA-1, 2:
// SHA-256) with the certificate from its SigningCertURL, fetched over https only from a host
// that hooks.sns_host_pattern matches (bounded in size and time, cached by URL), and confirms a
// subscription by a GET of its SubscribeURL (same rule). Both URLs are checked before anything is
// fetched: a foreign host gets 403 and no request. The pure rules are in src/domain/sns.ts.
import { Agent, request } from 'node:https';
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { X509Certificate, verify as rsaVerify } from 'node:crypto';
import { checkSnsUrl, classifySnsMessage, parseSnsEnvelope, snsDigest, snsStringToSign, wholeHostPattern, type SnsEnvelope } from '../domain/sns.js';

export type SnsResult =
  | { ok: true; kind: 'confirmed' } // SubscriptionConfirmation verified and its SubscribeURL fetched: answer 200, queue nothing
  | { ok: true; kind: 'unsubscribed' } // UnsubscribeConfirmation verified: 200, nothing queued
  | { ok: true; kind: 'notification'; source: 'codecommit' | 'eventbridge' | 'sns'; refs: string[] } // verified: queue the update (refs may be empty)
  | { ok: false; status: 400 | 403; reason: string }; // refused; nothing fetched from a foreign host, nothing queued

export interface SnsDeps {
  /** hooks.sns_host_pattern: the hosts certificates and SubscribeURLs may come from (matched against the whole host name). */
  hostPattern: RegExp;
  /** A CA trusted in addition to the bundled roots (tests); absent: the system store, NODE_EXTRA_CA_CERTS honoured. */
  ca?: string | Buffer;
  /** Time for one fetch (connect, TLS, answer), in ms; default 10 000. */
  fetchTimeoutMs?: number;
  now?: () => number;
  /**
   * Tests only: every fetch connects to this address instead of the URL's host (TLS still checks
   * the certificate against the URL's host name), so a test server on a free loopback port can
   * play sns.REGION.amazonaws.com while the URL keeps the default port the host rule requires.
   */
  connectTo?: { host: string; port: number };
}

export interface SnsVerifier {
  handle(messageType: string, rawBody: Buffer): Promise<SnsResult>;
  close?(): void;
}

/** A signing certificate is a few KiB; a SubscribeURL answer a small XML document. */
const MAX_CERT_BYTES = 64 * 1024;
const MAX_CONFIRM_BYTES = 64 * 1024;
/** Certificates kept, and for how long (SNS rotates its signing certificate rarely). */
const CERT_CACHE_SIZE = 32;
const CERT_CACHE_MS = 6 * 60 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 10_000;

class FetchError extends Error {}

function refused(status: 400 | 403, reason: string): SnsResult {
  return { ok: false, status, reason };
}

export function createSnsVerifier(deps: SnsDeps): SnsVerifier {
  const host = wholeHostPattern(deps.hostPattern);
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.fetchTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Without a CA of the caller's, the agent uses Node's default store (bundled roots plus
  // NODE_EXTRA_CA_CERTS); with one, the bundled roots plus that CA.
  const agent = new Agent({ keepAlive: false, maxSockets: 8, ...(deps.ca !== undefined ? { ca: [...rootCertificates, deps.ca.toString()] } : {}) });
  const certs = new Map<string, { cert: Promise<X509Certificate>; at: number }>();

  /** GET over https, no redirects followed, the answer cut off past `limit` bytes; non-2xx fails. */
  function get(url: URL, limit: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 without its brackets
      const target = deps.connectTo ?? { host: hostname, port: 443 };
      const req = request(
        {
          agent,
          method: 'GET',
          host: target.host,
          port: target.port,
          // SNI for names only (an IP address there is deprecated); the identity check uses the URL's host either way.
          ...(isIP(hostname) === 0 ? { servername: hostname } : { checkServerIdentity: (_h: string, cert: PeerCertificate) => checkServerIdentity(hostname, cert) }),
          path: `${url.pathname}${url.search}`,
          headers: { host: url.host, 'user-agent': 'Packyard', accept: '*/*' },
          timeout: timeoutMs,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            res.resume();
            reject(new FetchError(`HTTP ${status}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > limit) {
              req.destroy(new FetchError(`answer larger than ${limit} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        },
      );
      const timer = setTimeout(() => req.destroy(new FetchError(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new FetchError(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** The certificate at `url`, from the cache or fetched once (concurrent callers share the fetch). */
  function certificate(url: URL): Promise<X509Certificate> {
    const key = url.href;
    const hit = certs.get(key);
    if (hit && now() - hit.at < CERT_CACHE_MS) return hit.cert;
    certs.delete(key);
    const cert = get(url, MAX_CERT_BYTES).then((pem) => new X509Certificate(pem));
    certs.set(key, { cert, at: now() });
    // A failure is not remembered: the next delivery tries again.
    cert.catch(() => {
      if (certs.get(key)?.cert === cert) certs.delete(key);
    });
    while (certs.size > CERT_CACHE_SIZE) {
      const oldest = certs.keys().next().value as string;
      certs.delete(oldest);
    }
    return cert;
  }

  async function verifySignature(env: SnsEnvelope, certUrl: URL): Promise<SnsResult | null> {
    let cert: X509Certificate;
    try {
      cert = await certificate(certUrl);
    } catch (e) {
      return refused(403, `the signing certificate could not be fetched: ${e instanceof FetchError ? e.message : (e as Error).message?.slice(0, 200) ?? 'error'}`);
    }
    const t = now();
    if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) return refused(403, 'the signing certificate is not valid at this time');
    let good = false;
    try {
      good = rsaVerify(snsDigest(env.SignatureVersion), Buffer.from(snsStringToSign(env), 'utf8'), cert.publicKey, Buffer.from(env.Signature, 'base64'));
    } catch {
      good = false;
    }
    return good ? null : refused(403, 'the SNS signature does not verify');
  }

  return {
    async handle(messageType, rawBody) {
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return refused(400, 'the SNS body is not JSON');
      }
      const parsed = parseSnsEnvelope(body, messageType);
      if (!parsed.ok) return refused(400, parsed.reason);
      const env = parsed.value;
      // Both URLs are checked before anything is fetched.
      const certUrl = checkSnsUrl(env.SigningCertURL, host, 'SigningCertURL');
      if (!certUrl.ok) return refused(403, certUrl.reason);
      let subscribeUrl: URL | null = null;
      if (env.Type === 'SubscriptionConfirmation') {
        const checked = checkSnsUrl(env.SubscribeURL ?? '', host, 'SubscribeURL');
        if (!checked.ok) return refused(403, checked.reason);
        subscribeUrl = checked.value;
      }
      const bad = await verifySignature(env, certUrl.value);
      if (bad) return bad;
      switch (env.Type) {
        case 'SubscriptionConfirmation':
          try {
            await get(subscribeUrl as URL, MAX_CONFIRM_BYTES);
          } catch (e) {
            return refused(400, `the subscription could not be confirmed: ${(e as Error).message.slice(0, 200)}`);
          }
          return { ok: true, kind: 'confirmed' };
        case 'UnsubscribeConfirmation':
          return { ok: true, kind: 'unsubscribed' };
        case 'Notification': {
          const { source, refs } = classifySnsMessage(env.Message);
          return { ok: true, kind: 'notification', source, refs };
        }
      }
    },
    close() {
      agent.destroy();
      certs.clear();
    },
  };
}
