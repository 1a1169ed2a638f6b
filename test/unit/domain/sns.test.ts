// The pure part of SNS on the generic hook URL: envelope validation, the string to sign for each
// message type (the documented key order), the whole-host rule for SigningCertURL and
// SubscribeURL (tricky hosts, userinfo, http, ports), and the refs of CodeCommit triggers and
// EventBridge events.
import t from 'tap';
import { DEFAULTS } from '../../../src/config/schema.js';
import {
  checkSnsUrl,
  classifySnsMessage,
  codeCommitTriggerRefs,
  eventBridgeCodeCommitRefs,
  parseSnsEnvelope,
  snsDigest,
  snsStringToSign,
  wholeHostPattern,
  type SnsEnvelope,
} from '../../../src/domain/sns.js';

const notification = {
  Type: 'Notification',
  MessageId: 'da41e39f-ea4d-435a-b922-c6aae3915ebe',
  TopicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic',
  Subject: 'test',
  Message: 'test message',
  Timestamp: '2012-04-25T21:49:25.719Z',
  SignatureVersion: '1',
  Signature: 'EXAMPLElDMXvB8r9R83tGoNn0ecwd5UjllzsvSvbItzfaMpN2nk5HVSw7XnOn/49IkxDKz8YrlH2qJXj2iZB0Zo2O71c4qQk1fMUDi3LGpij7RCW7AW9vYYsSqIKRnFS94ilu7NFhUzLiieYr4BKHpdTmdD6c0esKEYBpabxDSc=',
  SigningCertURL: 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
  UnsubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0',
};

const confirmation = {
  Type: 'SubscriptionConfirmation',
  MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
  Token: '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
  TopicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic',
  Message: 'You have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.\nTo confirm the subscription, visit the SubscribeURL included in this message.',
  SubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37',
  Timestamp: '2012-04-26T20:45:04.751Z',
  SignatureVersion: '1',
  Signature: 'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
  SigningCertURL: 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
};

const env = (body: Record<string, unknown>, type = body.Type as string): SnsEnvelope => {
  const r = parseSnsEnvelope(body, type);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};

t.test('the string to sign follows the documented key order of each type', async (t) => {
  t.equal(
    snsStringToSign(env(notification)),
    'Message\ntest message\nMessageId\nda41e39f-ea4d-435a-b922-c6aae3915ebe\nSubject\ntest\nTimestamp\n2012-04-25T21:49:25.719Z\nTopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n',
    'Notification: Message, MessageId, Subject, Timestamp, TopicArn, Type (UnsubscribeURL, SigningCertURL not signed)',
  );
  const { Subject: _s, ...noSubject } = notification;
  t.equal(
    snsStringToSign(env(noSubject)),
    'Message\ntest message\nMessageId\nda41e39f-ea4d-435a-b922-c6aae3915ebe\nTimestamp\n2012-04-25T21:49:25.719Z\nTopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n',
    'an absent Subject is left out',
  );
  t.equal(snsStringToSign(env({ ...notification, Subject: null })).includes('Subject'), false, 'a null Subject is left out too');
  const c = confirmation;
  const expected = `Message\n${c.Message}\nMessageId\n${c.MessageId}\nSubscribeURL\n${c.SubscribeURL}\nTimestamp\n${c.Timestamp}\nToken\n${c.Token}\nTopicArn\n${c.TopicArn}\nType\n`;
  t.equal(snsStringToSign(env(c)), `${expected}SubscriptionConfirmation\n`, 'SubscriptionConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type');
  t.equal(snsStringToSign(env({ ...c, Type: 'UnsubscribeConfirmation' })), `${expected}UnsubscribeConfirmation\n`, 'UnsubscribeConfirmation: the same keys');
  t.equal(snsDigest('1'), 'sha1');
  t.equal(snsDigest('2'), 'sha256');
});

t.test('envelope validation', async (t) => {
  const bad = (body: unknown, type: string, why: RegExp) => {
    const r = parseSnsEnvelope(body, type);
    t.equal(r.ok, false, `refused: ${String(why)}`);
    if (!r.ok) t.match(r.reason, why);
  };
  bad(notification, 'Notify', /unknown SNS message type/);
  bad([notification], 'Notification', /not a JSON object/);
  bad('x', 'Notification', /not a JSON object/);
  bad(notification, 'SubscriptionConfirmation', /does not match/);
  bad({ ...notification, SignatureVersion: '3' }, 'Notification', /unsupported SignatureVersion "3"/);
  bad({ ...notification, SignatureVersion: 1 }, 'Notification', /no string SignatureVersion/);
  bad({ ...notification, Message: { a: 1 } }, 'Notification', /no string Message/);
  bad({ ...notification, Subject: 7 }, 'Notification', /Subject is not a string/);
  bad({ ...notification, Signature: 'not base64!' }, 'Notification', /not base64/);
  const { SigningCertURL: _u, ...noCert } = notification;
  bad(noCert, 'Notification', /no string SigningCertURL/);
  const { Token: _t, ...noToken } = confirmation;
  bad(noToken, 'SubscriptionConfirmation', /no string Token/);
  const { SubscribeURL: _s, ...noSubscribe } = confirmation;
  bad(noSubscribe, 'SubscriptionConfirmation', /no string SubscribeURL/);
  const ok = parseSnsEnvelope({ ...notification, Extra: 'ignored' }, 'Notification');
  t.ok(ok.ok, 'unknown keys (UnsubscribeURL, MessageAttributes) are ignored');
  if (ok.ok) t.notOk('UnsubscribeURL' in ok.value);
});

t.test('the host rule for SigningCertURL and SubscribeURL', async (t) => {
  const host = wholeHostPattern(new RegExp(DEFAULTS.hooks.sns_host_pattern));
  const allowed = ['https://sns.us-east-1.amazonaws.com/cert.pem', 'https://sns.cn-north-1.amazonaws.com.cn/x.pem', 'https://SNS.EU-WEST-1.AMAZONAWS.COM/a?b=c', 'https://sns.us-east-1.amazonaws.com:443/cert.pem'];
  for (const u of allowed) t.ok(checkSnsUrl(u, host, 'SigningCertURL').ok, `${u} allowed`);
  const refusedUrls: [string, RegExp][] = [
    ['https://sns.us-east-1.amazonaws.com.evil.test/cert.pem', /host "sns\.us-east-1\.amazonaws\.com\.evil\.test" does not match/],
    ['https://evil.test/sns.us-east-1.amazonaws.com', /host "evil\.test"/],
    ['https://evil.test/?h=sns.us-east-1.amazonaws.com', /host "evil\.test"/],
    ['https://sns.us-east-1.amazonaws.com@evil.test/cert.pem', /user name or password/],
    ['https://user:pass@sns.us-east-1.amazonaws.com/cert.pem', /user name or password/],
    ['http://sns.us-east-1.amazonaws.com/cert.pem', /not https/],
    ['https://sns.us-east-1.amazonaws.com:8443/cert.pem', /names a port/],
    ['https://sns.us-east-1.amazonaws.com./cert.pem', /does not match/],
    ['https://evilsns.us-east-1.amazonaws.com/cert.pem', /does not match/],
    ['https://sns.us-east-1.amazonaws.com.cn.evil.test/', /does not match/],
    ['https://xsns.us-east-1.amazonaws.com/', /does not match/],
    ['https://sns.us_east.amazonaws.com/', /not a URL|does not match/],
    ['https://[::1]/cert.pem', /does not match/],
    ['https://127.0.0.1/cert.pem', /does not match/],
    ['file:///etc/passwd', /not https/],
    ['//sns.us-east-1.amazonaws.com/cert.pem', /not a URL/],
    ['', /not a URL/],
  ];
  for (const [u, why] of refusedUrls) {
    const r = checkSnsUrl(u, host, 'SigningCertURL');
    t.equal(r.ok, false, `${u} refused`);
    if (!r.ok) t.match(r.reason, why, u);
  }
  // An unanchored or alternated pattern still has to match the whole host.
  const loose = wholeHostPattern(/amazonaws\.com/);
  t.equal(checkSnsUrl('https://sns.us-east-1.amazonaws.com.evil.test/', loose, 'x').ok, false, 'unanchored pattern: no suffix match');
  t.equal(checkSnsUrl('https://amazonaws.com/', loose, 'x').ok, true);
  const alt = wholeHostPattern(/^a\.test$|b\.test/);
  t.equal(checkSnsUrl('https://b.test.evil.test/', alt, 'x').ok, false, 'alternation: no suffix match');
  t.equal(checkSnsUrl('https://evil-a.test/', alt, 'x').ok, false);
  const sticky = wholeHostPattern(/^sns\.test$/gy);
  t.ok(checkSnsUrl('https://sns.test/', sticky, 'x').ok && checkSnsUrl('https://sns.test/', sticky, 'x').ok, 'no state between tests (g, y dropped)');
});

t.test('CodeCommit trigger refs', async (t) => {
  const trigger = {
    Records: [
      {
        awsRegion: 'us-east-1',
        codecommit: { references: [{ commit: '5c4ef1049f1d27deadbeeff313e0730018be182b', ref: 'refs/heads/main' }, { commit: '5c4ef1049f1d27deadbeeff313e0730018be182b', ref: 'refs/tags/v1.2.0', created: true }] },
        eventId: '5a824061-17ca-46a9-bbf9-114edeadbeef',
        eventName: 'ReferenceChanges',
        eventPartNumber: 1,
        eventSource: 'aws:codecommit',
        eventSourceARN: 'arn:aws:codecommit:us-east-1:123456789012:my-repo',
        eventTime: '2016-01-01T23:59:59.000+0000',
        eventTotalParts: 1,
        eventTriggerConfigId: '5a824061-17ca-46a9-bbf9-114edeadbeef',
        eventTriggerName: 'my-trigger',
        eventVersion: '1.0',
        userIdentityARN: 'arn:aws:iam::123456789012:root',
      },
    ],
  };
  t.same(codeCommitTriggerRefs(trigger), ['refs/heads/main', 'refs/tags/v1.2.0']);
  t.same(classifySnsMessage(JSON.stringify(trigger)), { source: 'codecommit', refs: ['refs/heads/main', 'refs/tags/v1.2.0'] });
  t.same(codeCommitTriggerRefs({ Records: [{ eventSource: 'aws:codecommit', codecommit: { references: [{ ref: 'refs/heads/a' }, { ref: 'refs/heads/a' }, { ref: 7 }, { ref: 'bad\nref' }, null] } }] }), ['refs/heads/a'], 'duplicates, non-strings and control characters dropped');
  t.same(codeCommitTriggerRefs({ Records: [{ eventSource: 'aws:codecommit', eventName: 'TriggerEventTest' }] }), [], 'a trigger test: CodeCommit, no refs');
  t.equal(codeCommitTriggerRefs({ Records: [{ eventSource: 'aws:s3' }] }), null, 'another service: not CodeCommit');
  t.equal(codeCommitTriggerRefs({ Records: 'x' }), null);
  const many = { Records: [{ eventSource: 'aws:codecommit', codecommit: { references: Array.from({ length: 5000 }, (_, i) => ({ ref: `refs/tags/v${i}` })) } }] };
  t.equal(codeCommitTriggerRefs(many)?.length, 1000, 'bounded');
});

t.test('EventBridge CodeCommit Repository State Change refs', async (t) => {
  const event = {
    version: '0',
    id: '01234567-0123-0123-0123-012345678901',
    'detail-type': 'CodeCommit Repository State Change',
    source: 'aws.codecommit',
    account: '123456789012',
    time: '2019-06-12T10:23:43Z',
    region: 'us-east-1',
    resources: ['arn:aws:codecommit:us-east-1:123456789012:my-repo'],
    detail: { callerUserArn: 'arn:aws:iam::123456789012:user/alice', commitId: 'a'.repeat(40), event: 'referenceCreated', referenceFullName: 'refs/tags/v2.0.0', referenceName: 'v2.0.0', referenceType: 'tag', repositoryId: '12345678-1234-5678-abcd-12345678abcd', repositoryName: 'my-repo' },
  };
  t.same(eventBridgeCodeCommitRefs(event), ['refs/tags/v2.0.0']);
  t.same(classifySnsMessage(JSON.stringify(event)), { source: 'eventbridge', refs: ['refs/tags/v2.0.0'] });
  const { referenceFullName: _f, ...short } = event.detail;
  t.same(eventBridgeCodeCommitRefs({ ...event, detail: short }), ['refs/tags/v2.0.0'], 'from referenceType and referenceName');
  t.same(eventBridgeCodeCommitRefs({ ...event, detail: { ...short, referenceType: 'branch', referenceName: 'main' } }), ['refs/heads/main']);
  t.same(eventBridgeCodeCommitRefs({ ...event, detail: {} }), [], 'no ref: still the event, no refs');
  t.equal(eventBridgeCodeCommitRefs({ ...event, source: 'aws.s3' }), null);
  t.equal(eventBridgeCodeCommitRefs({ ...event, 'detail-type': 'Object Created' }), null);
});

t.test('other messages: source sns, no refs', async (t) => {
  t.same(classifySnsMessage('plain text'), { source: 'sns', refs: [] });
  t.same(classifySnsMessage('{"hello":"world"}'), { source: 'sns', refs: [] });
  t.same(classifySnsMessage('null'), { source: 'sns', refs: [] });
});
