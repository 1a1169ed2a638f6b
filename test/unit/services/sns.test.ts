// The SNS verifier's I/O against a loopback https server playing SNS: certificates fetched once
// per URL (concurrent deliveries share the fetch, the cache is bounded, failures are not
// remembered), no redirect followed, answers bounded in size and time, the test CA trusted only
// when given, an expired signing certificate refused, a failed SubscribeURL GET reported.
import t from 'tap';
import { createSnsVerifier, type SnsDeps } from '../../../src/services/sns.js';
import { makeSnsPki, signEnvelope, startFakeSns } from '../../helpers/sns-server.js';

const HOST = 'sns.eu-test-1.packyard.test';
const pki = makeSnsPki([HOST, '127.0.0.1']);
const held: { end(): void }[] = [];
const sns = await startFakeSns(pki, '/cert.pem', (req, res) => {
  const path = new URL(req.url ?? '/', 'https://x').pathname;
  if (path.startsWith('/cert-')) res.writeHead(200).end(pki.signingCert);
  else if (path === '/big.pem') res.writeHead(200).end(`${pki.signingCert}\n${'x'.repeat(70 * 1024)}`);
  else if (path === '/missing.pem') res.writeHead(404).end('no');
  else if (path === '/moved.pem') res.writeHead(302, { location: '/cert.pem' }).end();
  else if (path === '/garbage.pem') res.writeHead(200).end('not a certificate');
  else if (path === '/slow.pem') held.push(res);
  else if (path === '/confirm-fails') res.writeHead(500).end('oops');
  else return false;
  return true;
});
t.teardown(async () => {
  for (const r of held) r.end();
  await sns.close();
});

const verifier = (more: Partial<SnsDeps> = {}) => {
  const v = createSnsVerifier({ hostPattern: /^sns\.[a-z0-9-]+\.packyard\.test$/, ca: pki.caPem, connectTo: { host: '127.0.0.1', port: sns.port }, ...more });
  t.teardown(() => v.close?.());
  return v;
};
let n = 0;
const note = (certPath: string, version: '1' | '2' = '2', message = '{"Records":[{"eventSource":"aws:codecommit","codecommit":{"references":[{"ref":"refs/tags/v1.0.0"}]}}]}') =>
  Buffer.from(
    JSON.stringify(
      signEnvelope(
        { Type: 'Notification', MessageId: `m-${++n}`, TopicArn: 'arn:aws:sns:eu-test-1:1:t', Message: message, Timestamp: '2026-01-01T00:00:00.000Z', SigningCertURL: `https://${HOST}${certPath}` },
        pki.signingKey,
        version,
      ),
    ),
  );
const fetchesOf = (path: string) => sns.requests.filter((r) => r.url === path).length;

t.test('verified notifications, SignatureVersion 1 and 2', async (t) => {
  const v = verifier();
  t.same(await v.handle('Notification', note('/cert-a.pem', '1')), { ok: true, kind: 'notification', source: 'codecommit', refs: ['refs/tags/v1.0.0'] });
  t.same(await v.handle('Notification', note('/cert-a.pem', '2', 'hello')), { ok: true, kind: 'notification', source: 'sns', refs: [] });
  t.equal(fetchesOf('/cert-a.pem'), 1, 'fetched once');
});

t.test('concurrent deliveries share one certificate fetch; the cache is bounded', async (t) => {
  const v = verifier();
  const results = await Promise.all(Array.from({ length: 5 }, () => v.handle('Notification', note('/cert-b.pem'))));
  t.ok(results.every((r) => r.ok));
  t.equal(fetchesOf('/cert-b.pem'), 1);
  for (let i = 0; i < 32; i++) t.ok((await v.handle('Notification', note(`/cert-c${i}.pem`))).ok);
  await v.handle('Notification', note('/cert-b.pem'));
  t.equal(fetchesOf('/cert-b.pem'), 2, 'the oldest entry was dropped past 32 certificates');
  await v.handle('Notification', note('/cert-c31.pem'));
  t.equal(fetchesOf('/cert-c31.pem'), 1, 'a recent one is still cached');
});

t.test('certificate fetch failures: 403, not remembered', async (t) => {
  const v = verifier({ fetchTimeoutMs: 300 });
  const refused = async (path: string, why: RegExp) => {
    const r = await v.handle('Notification', note(path));
    t.equal(r.ok, false, path);
    if (!r.ok) {
      t.equal(r.status, 403);
      t.match(r.reason, why, path);
    }
  };
  await refused('/missing.pem', /could not be fetched: HTTP 404/);
  await refused('/missing.pem', /HTTP 404/);
  t.equal(fetchesOf('/missing.pem'), 2, 'a failure is tried again next time');
  await refused('/moved.pem', /HTTP 302/);
  t.equal(fetchesOf('/cert.pem'), 0, 'the redirect is not followed');
  await refused('/big.pem', /larger than 65536 bytes/);
  await refused('/garbage.pem', /could not be fetched/);
  const started = Date.now();
  await refused('/slow.pem', /no answer within 300 ms/);
  t.ok(Date.now() - started < 5000, 'bounded in time');
});

t.test('the test CA is trusted only when given; an expired certificate is refused', async (t) => {
  const untrusting = verifier({ ca: undefined });
  const r = await untrusting.handle('Notification', note('/cert-d.pem'));
  t.match(r, { ok: false, status: 403, reason: /could not be fetched/ }, 'the system store does not know the test CA');
  const later = verifier({ now: () => Date.now() + 10 * 24 * 3600 * 1000 });
  t.match(await later.handle('Notification', note('/cert-d.pem')), { ok: false, status: 403, reason: /not valid at this time/ });
});

t.test('a SubscribeURL that fails: 400 with the reason', async (t) => {
  const v = verifier();
  const env = signEnvelope(
    { Type: 'SubscriptionConfirmation', MessageId: 'c-1', TopicArn: 'arn:aws:sns:eu-test-1:1:t', Message: 'confirm', Timestamp: '2026-01-01T00:00:00.000Z', SigningCertURL: `https://${HOST}/cert-e.pem`, Token: 'tok', SubscribeURL: `https://${HOST}/confirm-fails?Token=tok` },
    pki.signingKey,
    '1',
  );
  t.same(await v.handle('SubscriptionConfirmation', Buffer.from(JSON.stringify(env))), { ok: false, status: 400, reason: 'the subscription could not be confirmed: HTTP 500' });
});

t.test('an IP address host, when the pattern allows one, is checked against the certificate (no SNI)', async (t) => {
  const v = createSnsVerifier({ hostPattern: /^127\.0\.0\.1$/, ca: pki.caPem, connectTo: { host: '127.0.0.1', port: sns.port } });
  t.teardown(() => v.close?.());
  const body = JSON.parse(note('/cert-f.pem').toString()) as Record<string, string>;
  const env = signEnvelope({ ...body, SigningCertURL: 'https://127.0.0.1/cert-f.pem' } as Record<string, string>, pki.signingKey, '2');
  t.match(await v.handle('Notification', Buffer.from(JSON.stringify(env))), { ok: true, kind: 'notification' });
  const other = createSnsVerifier({ hostPattern: /^127\.0\.0\.2$/, ca: pki.caPem, connectTo: { host: '127.0.0.1', port: sns.port } });
  t.teardown(() => other.close?.());
  const env2 = signEnvelope({ ...body, SigningCertURL: 'https://127.0.0.2/cert-f.pem' } as Record<string, string>, pki.signingKey, '2');
  t.match(await other.handle('Notification', Buffer.from(JSON.stringify(env2))), { ok: false, status: 403, reason: /could not be fetched/ }, 'the certificate does not name 127.0.0.2');
});
