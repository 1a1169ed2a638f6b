// Runs wrk against a loopback URL and reads its summary: requests/s, the latency
// distribution's 50th and 99th percentiles, and any non-2xx/3xx answers or socket errors.
import { runTimed } from './lib.js';

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Answers outside 2xx/3xx plus socket errors: must be 0 for a valid run. */
  errors: number;
  raw: string;
}

export interface WrkOptions {
  url: string;
  headers: Record<string, string>;
  seconds: number;
  threads?: number;
  connections?: number;
}

function toMs(value: string, unit: string): number {
  const n = Number.parseFloat(value);
  if (unit === 'us') return n / 1000;
  if (unit === 'ms') return n;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  throw new Error(`unknown wrk latency unit ${unit}`);
}

export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rps || !p50 || !p99 || !total) throw new Error(`cannot read wrk output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    requestsPerSec: Number.parseFloat(rps[1] as string),
    p50Ms: toMs(p50[1] as string, p50[2] as string),
    p99Ms: toMs(p99[1] as string, p99[2] as string),
    requests: Number(total[1]),
    errors: non2xx + socketErrors,
    raw: out,
  };
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = [`-t${o.threads ?? 2}`, `-c${o.connections ?? 32}`, `-d${o.seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(o.headers)) args.push('-H', `${k}: ${v}`);
  args.push(o.url);
  const r = await runTimed('wrk', args, { timeoutMs: (o.seconds + 30) * 1000 });
  if (r.code !== 0) throw new Error(`wrk exited ${r.code}: ${r.stderr}`);
  const result = parseWrk(r.stdout);
  if (result.errors > 0) throw new Error(`wrk saw ${result.errors} errors or unexpected statuses against ${o.url}:\n${r.stdout}`);
  return result;
}
