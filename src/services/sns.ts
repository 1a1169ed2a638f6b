// PLACEHOLDER for the AWS SNS verifier of the generic hook URL (helper D writes the real module at
// this path: signature check, certificate fetch under hooks.sns_host_pattern, confirmation GET).
// Until then every SNS message is refused with 403, so nothing is queued on an unverified message.
export type SnsResult =
  | { ok: true; kind: 'confirmed' } | { ok: true; kind: 'unsubscribed' }
  | { ok: true; kind: 'notification'; source: 'codecommit' | 'eventbridge' | 'sns'; refs: string[] }
  | { ok: false; status: 400 | 403; reason: string };
export interface SnsDeps { hostPattern: RegExp; ca?: string | Buffer; fetchTimeoutMs?: number; now?: () => number }

export function createSnsVerifier(_deps: SnsDeps): { handle(messageType: string, rawBody: Buffer): Promise<SnsResult>; close?(): void } {
  return {
    handle: async () => ({ ok: false, status: 403, reason: 'SNS verification is not available' }),
  };
}
