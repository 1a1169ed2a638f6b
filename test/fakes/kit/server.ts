// The forge fakes' server lifecycle: http or https (given key and certificate) on 127.0.0.1 with
// a free port, a temp folder for the fake's git repositories, background work (webhook deliveries)
// and git child processes tracked, and a close() that waits for them, stops everything, removes the
// folder and rejects when a client called an endpoint the fake does not implement (strict mode).

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
}

export interface FakeRuntime {
  /** A fresh temp folder (bare repositories live here); removed by close(). */
  readonly root: string;
  /** git http-backend children still running (killed by close()). */
  readonly children: Set<ChildProcess>;
  /** Requests that matched no endpoint of the fake. */
  readonly unexpected: Array<{ method: string; path: string }>;
  /** Keeps a background promise (a delivery) for idle()/close(). */
  track<T>(p: Promise<T>): Promise<T>;
  idle(): Promise<void>;
}

export interface KitServer {
  /** http(s)://127.0.0.1:PORT */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A runtime (temp folder, child and background tracking) before the server exists. */
export async function createRuntime(prefix: string): Promise<FakeRuntime> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const pending = new Set<Promise<unknown>>();
  const idle = async (): Promise<void> => {
    for (let i = 0; i < 100 && pending.size > 0; i++) await Promise.allSettled([...pending]);
  };
  return {
    root,
    children: new Set<ChildProcess>(),
    unexpected: [],
    track(p) {
      pending.add(p);
      void p.finally(() => pending.delete(p)).catch(() => undefined);
      return p;
    },
    idle,
  };
}

/**
 * Listens with `handler` on 127.0.0.1:0. close() waits for background work, kills git children,
 * closes every connection, removes the runtime's folder, then rejects if `strict` and a client
 * called something the fake lacks (`label` names the fake in the message).
 */
export async function listen(
  runtime: FakeRuntime,
  handler: RequestListener,
  opts: { tls?: TlsOptions | undefined; strict?: boolean | undefined; label: string },
): Promise<KitServer> {
  const server = opts.tls !== undefined ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createServer(handler);
  // Idle keep-alive connections stay open as behind a forge's nginx (75 s): with Node's 5 s default
  // the server may close a socket just as a client that waited on a slow test step reuses it
  // (ECONNRESET). close() closes every connection anyway.
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `${opts.tls !== undefined ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    async close() {
      await runtime.idle();
      const exits = [...runtime.children].map(
        (c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('close', () => resolve()))),
      );
      for (const c of runtime.children) c.kill('SIGKILL');
      await Promise.all(exits);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      await rm(runtime.root, { recursive: true, force: true });
      if (opts.strict !== false && runtime.unexpected.length > 0) {
        const list = runtime.unexpected.map((u) => `${u.method} ${u.path}`).join(', ');
        throw new Error(`${opts.label} received requests it does not implement: ${list}`);
      }
    },
  };
}
