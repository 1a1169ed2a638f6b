// Webhook delivery for the forge fakes: POSTs exact bytes with the headers the forge computed
// (event names, tokens or signatures are the forge's), records what was sent and the status.

export interface Delivery {
  hookId: number;
  event: string;
  deliveryId: string;
  /** 0 when the receiver could not be reached. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  payload: object;
}

/** POSTs `body` to `url` (no redirects, 10 s bound); the HTTP status, or 0 when unreachable. */
export async function postDelivery(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000), redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  } catch {
    return 0;
  }
}
