// End to end, as a CodeCommit customer would set it up: a package added by URL (HTTPS Git
// credential), its generic hook URL subscribed to an SNS topic. A loopback https server plays
// SNS (a test CA, a TLS certificate for sns.eu-test-1.packyard.test, its own signing key); the
// product trusts the test CA and connects to that server through compose's `sns` test seam,
// while hooks.sns_host_pattern (config) names the test hosts. Envelopes are built from the
// documented shapes: a confirmation is confirmed with exactly one GET of its SubscribeURL; a
// CodeCommit trigger signed with SignatureVersion 1 or 2 makes the new tag visible to the real
// composer; an EventBridge event is accepted; a tampered message, a foreign certificate host and
// a foreign SubscribeURL host get 403, fetch nothing and queue nothing.
import t from 'tap';
import { join } from 'node:path';
import { startPackyard } from '../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../helpers/git-repo.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { composerProject, parseShowVersions, writeAuth } from '../helpers/composer.js';
import { waitFor } from '../helpers/wait.js';
import { makeSnsPki, signEnvelope, startFakeSns } from '../helpers/sns-server.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;
const SNS_HOST = 'sns.eu-test-1.packyard.test';
const CERT_PATH = '/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const CERT_URL = `https://${SNS_HOST}${CERT_PATH}`;
const TOPIC = 'arn:aws:sns:eu-test-1:123456789012:packyard-foo';
// Names the TLS certificate also covers, so that a fetch the product must not make would succeed
// and show in the server's record.
const FOREIGN = ['evil.test', `${SNS_HOST}.evil.test`];

t.test('AWS SNS deliveries on the generic hook URL', async (t) => {
  const work = await makeTempDir('pky-sns-');
  t.teardown(() => removeDir(work));
  const pki = makeSnsPki([SNS_HOST, ...FOREIGN]);
  const sns = await startFakeSns(pki, CERT_PATH);
  t.teardown(() => sns.close());

  const foo = await createGitRepo(join(work, 'src-foo'), { defaultBranch: 'main' });
  await foo.commit({ 'composer.json': json({ name: 'acme/foo' }), 'Foo.php': '<?php\n' }, 'foo 1.0');
  await foo.tag('v1.0.0');
  await foo.publishBare(join(work, 'http', 'foo.git'), 'main');
  const http = await startGitHttpServer({ root: join(work, 'http'), username: 'codecommit-at-123', password: 'git-credential-pass' });
  t.teardown(() => http.close());

  const pky = await startPackyard(t, {
    yaml: 'hooks:\n  sns_host_pattern: "^sns\\\\.[a-z0-9-]+\\\\.packyard\\\\.test$"',
    sns: { ca: pki.caPem, connectTo: { host: '127.0.0.1', port: sns.port } },
  });
  const ok = async (args: string[], stdin?: string) => {
    const r = await pky.cli(args, stdin !== undefined ? { stdin } : {});
    t.equal(r.code, 0, `packyard ${args.join(' ')}: ${r.stderr.trim()}`);
    return r;
  };
  await ok(['org', 'create', 'acme']);
  await ok(['credential', 'add', '--org', 'acme', 'codecommit', '--type', 'http-basic', '--username', 'codecommit-at-123', '--password-stdin'], 'git-credential-pass\n');
  const added = await ok(['package', 'add', '--org', 'acme', http.url('foo.git'), '--credential', 'codecommit']);
  const hookUrl = /generic hook URL: (\S+)/.exec(added.stderr)?.[1] ?? '';
  t.match(hookUrl, new RegExp(`^${pky.url}/hooks/generic/\\S+$`));
  const token = (await ok(['token', 'create', '--org', 'acme', '--name', 'ci'])).stdout.trim();
  const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
  t.teardown(() => project.cleanup());
  writeAuth(project, new URL(pky.url).host, token);

  const updateJobs = () => (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE type = 'update-package'`).get() as { n: number }).n;
  const post = async (type: string, envelope: unknown, url = hookUrl) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type, 'x-amz-sns-topic-arn': TOPIC, 'user-agent': 'Amazon Simple Notification Service Agent' },
      body: typeof envelope === 'string' ? envelope : JSON.stringify(envelope),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  let n = 0;
  const base = (type: string) => ({ Type: type, MessageId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, TopicArn: TOPIC, Timestamp: new Date().toISOString(), SigningCertURL: CERT_URL });
  const confirmation = (subscribeUrl: string, certUrl = CERT_URL, version: '1' | '2' = '2') =>
    signEnvelope(
      { ...base('SubscriptionConfirmation'), SigningCertURL: certUrl, Token: 'a1b2c3d4'.repeat(8), SubscribeURL: subscribeUrl, Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.` },
      pki.signingKey,
      version,
    );
  const trigger = (refs: { ref: string; commit: string }[]) =>
    JSON.stringify({
      Records: [
        {
          awsRegion: 'eu-test-1', codecommit: { references: refs }, eventId: 'e0a0c3c5-0000-4000-8000-000000000001', eventName: 'ReferenceChanges', eventPartNumber: 1,
          eventSource: 'aws:codecommit', eventSourceARN: 'arn:aws:codecommit:eu-test-1:123456789012:foo', eventTime: '2026-01-01T00:00:00.000+0000', eventTotalParts: 1,
          eventTriggerConfigId: 'e0a0c3c5-0000-4000-8000-000000000002', eventTriggerName: 'packyard', eventVersion: '1.0', userIdentityARN: 'arn:aws:iam::123456789012:user/alice',
        },
      ],
    });
  const notification = (message: string, version: '1' | '2', key = pki.signingKey, certUrl = CERT_URL) =>
    signEnvelope({ ...base('Notification'), SigningCertURL: certUrl, Subject: 'UPDATE: AWS CodeCommit eu-test-1 push: foo', Message: message }, key, version);

  const settled = async (jobId: unknown) =>
    waitFor(`job ${String(jobId)} done`, () => {
      const row = pky.deps.sqlite.prepare(`SELECT status FROM jobs WHERE id = ?`).get(jobId) as { status: string } | undefined;
      if (row?.status === 'failed') throw new Error(`job ${String(jobId)} failed`);
      return row?.status === 'done' ? row.status : null;
    }, 60_000);
  const composerVersions = async () => {
    const r = await project.run(['show', '--all', 'acme/foo']);
    t.equal(r.code, 0, r.stderr);
    return parseShowVersions(r.stdout);
  };

  await t.test('a SubscriptionConfirmation is verified, then confirmed with exactly one GET of its SubscribeURL', async (t) => {
    const subscribe = `https://${SNS_HOST}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=${'a1b2c3d4'.repeat(8)}`;
    const jobs = updateJobs();
    const r = await post('SubscriptionConfirmation', confirmation(subscribe));
    t.same(r, { status: 200, body: { status: 'confirmed' } });
    t.same(sns.requests.map((q) => `${q.method} ${q.host}${q.url}`), [`GET ${SNS_HOST}${CERT_PATH}`, `GET ${SNS_HOST}${new URL(subscribe).pathname}${new URL(subscribe).search}`], 'the certificate, then the SubscribeURL, once');
    t.equal(updateJobs(), jobs, 'nothing queued');
    const again = await post('SubscriptionConfirmation', confirmation(subscribe, CERT_URL, '1'));
    t.equal(again.status, 200, 'SignatureVersion 1 as well');
    t.equal(sns.requests.filter((q) => q.url === CERT_PATH).length, 1, 'the certificate is cached');
  });

  for (const [version, tag] of [['1', 'v1.1.0'], ['2', 'v1.2.0']] as const) {
    await t.test(`a CodeCommit trigger signed with SignatureVersion ${version} makes ${tag} visible to composer`, async (t) => {
      await foo.commit({ 'Foo.php': `<?php // ${tag}\n` }, tag);
      const commit = await foo.revParse('HEAD');
      await foo.tag(tag);
      await foo.publishBare(join(work, 'http', 'foo.git'), 'main');
      t.notOk((await composerVersions()).includes(tag), 'not there before the hook');
      const r = await post('Notification', notification(trigger([{ ref: 'refs/heads/main', commit }, { ref: `refs/tags/${tag}`, commit }]), version));
      t.equal(r.status, 202, JSON.stringify(r.body));
      t.same(r.body.refs, ['refs/heads/main', `refs/tags/${tag}`]);
      await settled((r.body.job as { id: unknown }).id);
      t.ok((await composerVersions()).includes(tag), `composer lists ${tag}`);
    });
  }

  await t.test('an EventBridge CodeCommit Repository State Change delivered through SNS is accepted', async (t) => {
    const event = {
      version: '0', id: 'b2c3d4e5-0000-4000-8000-000000000003', 'detail-type': 'CodeCommit Repository State Change', source: 'aws.codecommit', account: '123456789012',
      time: '2026-01-01T00:00:00Z', region: 'eu-test-1', resources: ['arn:aws:codecommit:eu-test-1:123456789012:foo'],
      detail: { event: 'referenceCreated', repositoryName: 'foo', repositoryId: 'r-1', referenceType: 'tag', referenceName: 'v1.2.0', referenceFullName: 'refs/tags/v1.2.0', commitId: 'c'.repeat(40), callerUserArn: 'arn:aws:iam::123456789012:user/alice' },
    };
    const r = await post('Notification', notification(JSON.stringify(event), '2'));
    t.equal(r.status, 202, JSON.stringify(r.body));
    t.same(r.body.refs, ['refs/tags/v1.2.0']);
    await settled((r.body.job as { id: unknown }).id);
  });

  await t.test('an UnsubscribeConfirmation is verified and queues nothing', async (t) => {
    const jobs = updateJobs();
    const env = signEnvelope({ ...base('UnsubscribeConfirmation'), Token: 'f'.repeat(64), SubscribeURL: `https://${SNS_HOST}/?Action=ConfirmSubscription&Token=${'f'.repeat(64)}`, Message: 'You have chosen to deactivate subscription.' }, pki.signingKey, '1');
    const before = sns.requests.length;
    t.same(await post('UnsubscribeConfirmation', env), { status: 200, body: { status: 'unsubscribed' } });
    t.equal(sns.requests.length, before, 'no SubscribeURL fetched for an unsubscription');
    t.equal(updateJobs(), jobs);
  });

  await t.test('a tampered or wrongly signed message gets 403 and queues nothing', async (t) => {
    const jobs = updateJobs();
    const good = notification(trigger([{ ref: 'refs/tags/v9.9.9', commit: 'd'.repeat(40) }]), '2');
    const cases: [string, Record<string, string>][] = [
      ['Message changed', { ...good, Message: good.Message?.replace('v9.9.9', 'v6.6.6') ?? '' }],
      ['Subject removed', Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'Subject'))],
      ['TopicArn changed', { ...good, TopicArn: 'arn:aws:sns:eu-test-1:999999999999:other' }],
      ['SignatureVersion 1 claimed for a SHA-256 signature', { ...good, SignatureVersion: '1' }],
      ['signed with another key', notification(good.Message ?? '', '2', pki.otherKey)],
      ['a confirmation signed as a notification', { ...confirmation(`https://${SNS_HOST}/?Action=ConfirmSubscription`), Type: 'Notification' }],
    ];
    for (const [what, env] of cases) {
      const r = await post('Notification', env);
      t.equal(r.status, 403, `${what}: 403`);
      t.match(r.body.message, /signature does not verify/, what);
    }
    t.equal(updateJobs(), jobs, 'nothing queued');
  });

  await t.test('a foreign certificate host or SubscribeURL host gets 403 and nothing is fetched', async (t) => {
    const jobs = updateJobs();
    const connections = sns.connections();
    const requests = sns.requests.length;
    const foreignCerts = [`https://${SNS_HOST}.evil.test${CERT_PATH}`, `https://evil.test/${SNS_HOST}${CERT_PATH}`, `https://${SNS_HOST}@evil.test${CERT_PATH}`, `http://${SNS_HOST}${CERT_PATH}`, `https://${SNS_HOST}:8443${CERT_PATH}`];
    for (const certUrl of foreignCerts) {
      const r = await post('Notification', notification(trigger([{ ref: 'refs/heads/main', commit: 'e'.repeat(40) }]), '2', pki.signingKey, certUrl));
      t.equal(r.status, 403, `SigningCertURL ${certUrl}: 403`);
      t.match(r.body.message, /^SigningCertURL /);
      const c = await post('SubscriptionConfirmation', confirmation(`https://${SNS_HOST}/?Action=ConfirmSubscription`, certUrl));
      t.equal(c.status, 403, `confirmation with SigningCertURL ${certUrl}: 403`);
    }
    for (const subscribe of [`https://evil.test/?Action=ConfirmSubscription&h=${SNS_HOST}`, `https://${SNS_HOST}.evil.test/?Action=ConfirmSubscription`, `https://u:p@${SNS_HOST}/?Action=ConfirmSubscription`, `http://${SNS_HOST}/?Action=ConfirmSubscription`]) {
      const r = await post('SubscriptionConfirmation', confirmation(subscribe));
      t.equal(r.status, 403, `SubscribeURL ${subscribe}: 403`);
      t.match(r.body.message, /^SubscribeURL /);
    }
    t.equal(sns.connections(), connections, 'no connection was made');
    t.equal(sns.requests.length, requests, 'no request was made');
    t.equal(updateJobs(), jobs, 'nothing queued');
  });

  await t.test('malformed SNS deliveries get 400; an unknown hook token 404 before anything is fetched', async (t) => {
    const jobs = updateJobs();
    const connections = sns.connections();
    t.equal((await post('Notification', '{"Type":')).status, 400, 'not JSON');
    t.equal((await post('Notification', { Type: 'Notification' })).status, 400, 'keys missing');
    t.equal((await post('Bogus', notification('x', '2'))).status, 400, 'unknown message type');
    t.equal((await post('SubscriptionConfirmation', notification('x', '2'))).status, 400, 'header and Type disagree');
    t.equal((await post('Notification', notification('x', '2'), `${pky.url}/hooks/generic/not-a-token`)).status, 404);
    t.equal(sns.connections(), connections);
    t.equal(updateJobs(), jobs);
  });
});
