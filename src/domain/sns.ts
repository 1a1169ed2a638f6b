// AWS SNS over HTTP(S), the pure part (reference/forges.md §4): the envelope's shape, the string
// that SNS signs for each message type, the rule for the hosts a certificate or SubscribeURL may
// come from, and the refs of the CodeCommit messages an SNS notification may carry (a repository
// trigger's `Records[].codecommit.references[].ref`, or an EventBridge `CodeCommit Repository
// State Change` event's `detail.referenceFullName`). The fetches and the RSA check live in
// src/services/sns.ts.

export const SNS_MESSAGE_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
export type SnsMessageType = (typeof SNS_MESSAGE_TYPES)[number];

/** A validated SNS envelope: every key the signature covers, as sent. */
export interface SnsEnvelope {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  /** '1': RSA over SHA-1; '2': RSA over SHA-256. */
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  /** SubscriptionConfirmation and UnsubscribeConfirmation only. */
  Token?: string;
  SubscribeURL?: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Longest string kept from a field of the envelope (the body limit bounds the rest). */
const MAX_FIELD = 256 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function isSnsMessageType(v: string): v is SnsMessageType {
  return (SNS_MESSAGE_TYPES as readonly string[]).includes(v);
}

/**
 * The parsed JSON body as an envelope of the type the `x-amz-sns-message-type` header names:
 * the keys the signature covers are strings, the type agrees with the header, the signature
 * version is one we verify, and the signature is base64.
 */
export function parseSnsEnvelope(body: unknown, headerType: string): Checked<SnsEnvelope> {
  if (!isSnsMessageType(headerType)) return { ok: false, reason: `unknown SNS message type "${headerType.slice(0, 40)}"` };
  if (!isRecord(body)) return { ok: false, reason: 'the SNS body is not a JSON object' };
  if (body.Type !== headerType) return { ok: false, reason: 'the SNS body Type does not match the x-amz-sns-message-type header' };
  const confirmation = headerType !== 'Notification';
  const required = ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL', ...(confirmation ? ['Token', 'SubscribeURL'] : [])];
  for (const key of required) {
    const v = body[key];
    if (typeof v !== 'string') return { ok: false, reason: `the SNS body has no string ${key}` };
    if (v.length > MAX_FIELD) return { ok: false, reason: `the SNS body's ${key} is too long` };
  }
  if (body.Subject !== undefined && body.Subject !== null && typeof body.Subject !== 'string') return { ok: false, reason: 'the SNS body Subject is not a string' };
  const version = body.SignatureVersion;
  if (version !== '1' && version !== '2') return { ok: false, reason: `unsupported SignatureVersion "${String(version).slice(0, 10)}" (1 or 2)` };
  const signature = body.Signature as string;
  if (!BASE64.test(signature)) return { ok: false, reason: 'the SNS Signature is not base64' };
  const env: SnsEnvelope = {
    Type: headerType,
    MessageId: body.MessageId as string,
    TopicArn: body.TopicArn as string,
    Message: body.Message as string,
    Timestamp: body.Timestamp as string,
    SignatureVersion: version,
    Signature: signature,
    SigningCertURL: body.SigningCertURL as string,
  };
  if (typeof body.Subject === 'string') env.Subject = body.Subject;
  if (confirmation) {
    env.Token = body.Token as string;
    env.SubscribeURL = body.SubscribeURL as string;
  }
  return { ok: true, value: env };
}

/** The keys SNS signs, in its order: Notification, then the two confirmations. */
const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const CONFIRMATION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;

/** `key\nvalue\n` for each signed key present, in the documented order for the envelope's type. */
export function snsStringToSign(env: SnsEnvelope): string {
  const keys = env.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  let out = '';
  for (const key of keys) {
    const value = env[key];
    if (value === undefined) continue; // Subject is optional
    out += `${key}\n${value}\n`;
  }
  return out;
}

/** The RSA digest of a signature version. */
export function snsDigest(version: SnsEnvelope['SignatureVersion']): 'sha1' | 'sha256' {
  return version === '1' ? 'sha1' : 'sha256';
}

/**
 * The pattern as a whole-host match: `^(?:pattern)$` (the g and y flags dropped: a test must not carry state), so that an
 * unanchored or alternated pattern (`amazonaws\.com`, `^a$|b`) never matches a longer foreign host.
 */
export function wholeHostPattern(pattern: RegExp): RegExp {
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
}

/**
 * Where SNS may send us for a certificate or a subscription confirmation: https only, no user
 * name or password, the default port, and a host name that `host` (a whole-host pattern) matches.
 */
export function checkSnsUrl(raw: string, host: RegExp, what: string): Checked<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `${what} is not a URL` };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: `${what} is not https` };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: `${what} carries a user name or password` };
  if (url.port !== '') return { ok: false, reason: `${what} names a port` };
  if (!host.test(url.hostname)) return { ok: false, reason: `${what} host "${url.hostname.slice(0, 100)}" does not match hooks.sns_host_pattern` };
  return { ok: true, value: url };
}

export type SnsMessageSource = 'codecommit' | 'eventbridge' | 'sns';

/** Most records and references read from one message, and the longest ref kept. */
const MAX_RECORDS = 100;
const MAX_REFS = 1000;
const MAX_REF_LENGTH = 1024;

function refName(v: unknown): string | null {
  if (typeof v !== 'string' || v === '' || v.length > MAX_REF_LENGTH) return null;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(v) ? null : v;
}

/** A CodeCommit trigger's refs (`Records[].codecommit.references[].ref`), or null for another shape. */
export function codeCommitTriggerRefs(message: unknown): string[] | null {
  if (!isRecord(message) || !Array.isArray(message.Records)) return null;
  const records = message.Records.slice(0, MAX_RECORDS).filter(isRecord);
  const fromCodeCommit = records.filter((r) => r.eventSource === 'aws:codecommit' || isRecord(r.codecommit));
  if (fromCodeCommit.length === 0) return null;
  const refs: string[] = [];
  for (const r of fromCodeCommit) {
    const references = isRecord(r.codecommit) && Array.isArray(r.codecommit.references) ? r.codecommit.references : [];
    for (const ref of references.slice(0, MAX_REFS)) {
      const name = isRecord(ref) ? refName(ref.ref) : null;
      if (name !== null && !refs.includes(name) && refs.length < MAX_REFS) refs.push(name);
    }
  }
  return refs;
}

/**
 * An EventBridge `CodeCommit Repository State Change` event's ref (`detail.referenceFullName`,
 * else `refs/heads|tags/` + `detail.referenceName` by `referenceType`), or null for another shape.
 */
export function eventBridgeCodeCommitRefs(event: unknown): string[] | null {
  if (!isRecord(event) || event['detail-type'] !== 'CodeCommit Repository State Change') return null;
  if (event.source !== undefined && event.source !== 'aws.codecommit') return null;
  const detail = isRecord(event.detail) ? event.detail : {};
  const full = refName(detail.referenceFullName);
  if (full !== null) return [full];
  const short = refName(detail.referenceName);
  if (short !== null && (detail.referenceType === 'branch' || detail.referenceType === 'tag')) {
    return [`refs/${detail.referenceType === 'branch' ? 'heads' : 'tags'}/${short}`];
  }
  return [];
}

/** What a verified notification's Message says: a CodeCommit trigger, an EventBridge event, or anything else. */
export function classifySnsMessage(message: string): { source: SnsMessageSource; refs: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { source: 'sns', refs: [] };
  }
  const trigger = codeCommitTriggerRefs(parsed);
  if (trigger !== null) return { source: 'codecommit', refs: trigger };
  const event = eventBridgeCodeCommitRefs(parsed);
  if (event !== null) return { source: 'eventbridge', refs: event };
  return { source: 'sns', refs: [] };
}
