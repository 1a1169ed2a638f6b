// A loopback address:port that never answers a TCP connect: a listening socket (python3, which
// the hg tests need anyway) that never accepts, its one-slot backlog filled by one held
// connection, so the kernel drops every further SYN, like a firewalled host. close() ends all.
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

export interface Blackhole {
  readonly port: number;
  close(): Promise<void>;
}

const LISTENER = [
  'import socket, sys',
  's = socket.socket()',
  's.bind(("127.0.0.1", 0))',
  's.listen(0)',
  'print(s.getsockname()[1], flush=True)',
  'sys.stdin.read()',
].join('\n');

export async function startBlackhole(): Promise<Blackhole> {
  const child = spawn('python3', ['-c', LISTENER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  // The held connection fills the accept queue (backlog 0 admits one).
  const held: Socket = connect({ host: '127.0.0.1', port });
  held.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    held.once('connect', () => resolve());
    held.once('error', reject);
  });
  return {
    port,
    close: async () => {
      held.destroy();
      child.stdin.end();
      child.kill();
      await exited;
    },
  };
}
