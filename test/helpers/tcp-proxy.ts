// A loopback TCP proxy in front of a test server, switchable to "blackhole" (accepts connections
// and never answers), to test timeouts on a URL that worked before. close() ends every socket.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  mode: 'forward' | 'blackhole';
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): Socket => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    return s;
  };
  const proxy = {
    port: 0,
    mode: 'forward' as 'forward' | 'blackhole',
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((client) => {
    track(client);
    if (proxy.mode === 'blackhole') return; // hold the connection open, say nothing
    const upstream = track(connect({ host: '127.0.0.1', port: targetPort }));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
