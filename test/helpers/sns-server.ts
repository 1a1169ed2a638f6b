// A loopback https server that plays AWS SNS for tests: a test CA (made with the machine's
// openssl) issues the TLS certificate for the SNS host names a test uses, a separate RSA key and
// certificate sign the envelopes, the server serves that certificate at its SigningCertURL path
// and records every connection and request (SubscribeURL GETs among them). Envelopes are built
// and signed here from the documented shapes (reference/forges.md §4.1), independently of the
// product's own string-to-sign code.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP, type AddressInfo } from 'node:net';

export interface SnsTestPki {
  /** The test CA's certificate (PEM): what the product must trust. */
  caPem: string;
  /** TLS key and certificate of the server, valid for `hosts`. */
  tlsKey: string;
  tlsCert: string;
  /** The key that signs envelopes and its certificate (served at the SigningCertURL). */
  signingKey: string;
  signingCert: string;
  /** Another key whose signatures must not verify against signingCert. */
  otherKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

/** A CA, a TLS certificate for `hosts` (names or IP addresses) issued by it, and a self-signed SNS signing certificate. */
export function makeSnsPki(hosts: string[]): SnsTestPki {
  const dir = mkdtempSync(join(tmpdir(), 'pky-sns-pki-'));
  try {
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Packyard SNS test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${hosts[0]}`]);
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}\nextendedKeyUsage=serverAuth\n`);
    openssl(dir, ['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.pem', '-days', '2', '-extfile', 'ext.cnf']);
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'signing.key', '-out', 'signing.pem', '-days', '2', '-subj', '/CN=sns.amazonaws.com']);
    openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'other.key']);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { caPem: read('ca.pem'), tlsKey: read('tls.key'), tlsCert: read('tls.pem'), signingKey: read('signing.key'), signingCert: read('signing.pem'), otherKey: read('other.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SnsRequest {
  host: string;
  method: string;
  /** Path and query. */
  url: string;
}

export interface FakeSns {
  port: number;
  /** TCP connections accepted so far (a fetch the product should not make still shows here). */
  connections(): number;
  readonly requests: SnsRequest[];
  close(): Promise<void>;
}

/**
 * Serves `certPath` (the signing certificate) and answers every other GET as a SubscribeURL would;
 * `override` may answer a request first (returns true when it did).
 */
export async function startFakeSns(pki: SnsTestPki, certPath: string, override?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<FakeSns> {
  const requests: SnsRequest[] = [];
  let connections = 0;
  const server: Server = createServer({ key: pki.tlsKey, cert: pki.tlsCert }, (req, res) => {
    requests.push({ host: req.headers.host ?? '', method: req.method ?? '', url: req.url ?? '' });
    if (override?.(req, res)) return;
    if (req.url === certPath) {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(pki.signingCert);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:eu-test-1:123456789012:packyard:1</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>');
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];

/** Signs `fields` as SNS does (the documented keys in order, `key\nvalue\n`) and returns the envelope. */
export function signEnvelope(fields: Record<string, string>, key: string, version: '1' | '2'): Record<string, string> {
  const keys = fields.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  const text = keys.filter((k) => fields[k] !== undefined).map((k) => `${k}\n${fields[k]}\n`).join('');
  const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(text, 'utf8'), key).toString('base64');
  return { ...fields, SignatureVersion: version, Signature: signature };
}
