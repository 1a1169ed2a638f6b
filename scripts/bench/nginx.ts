// A throwaway nginx (Debian's nginx-light) serving a static directory on 127.0.0.1: our own
// config, prefix, pid file and logs in a temp dir, in the foreground so we stop it by its pid.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnServer } from './lib.js';

export interface Nginx {
  port: number;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** Prefix directory (config, logs, temp paths); `root` is served from it. */
  prefix: string;
  root: string;
  port: number;
  /** Header lines added to every answer, to send what Packyard sends. */
  addHeaders: Record<string, string>;
}

export function nginxConfig(o: NginxOptions): string {
  const p = (name: string) => join(o.prefix, name);
  const headers = Object.entries(o.addHeaders).map(([k, v]) => `      add_header ${k} "${v}" always;`);
  return [
    'daemon off;',
    'master_process on;',
    // One worker: Packyard serves from one node process, so both get one core's worth of server.
    'worker_processes 1;',
    `pid ${p('nginx.pid')};`,
    `error_log ${p('error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  default_type application/json;',
    '  types { application/json json; }',
    // Buffered access log: nginx still logs each request, but without a write() per request.
    `  access_log ${p('access.log')} combined buffer=64k flush=1s;`,
    `  client_body_temp_path ${p('tmp/body')};`,
    `  proxy_temp_path ${p('tmp/proxy')};`,
    `  fastcgi_temp_path ${p('tmp/fastcgi')};`,
    `  uwsgi_temp_path ${p('tmp/uwsgi')};`,
    `  scgi_temp_path ${p('tmp/scgi')};`,
    '  server_tokens off;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  keepalive_requests 100000;',
    // Serve NAME.json.gz (Packyard's own gzip bytes) to clients that accept gzip.
    '  gzip_static on;',
    // Packyard sends no ETag; composer ignores them anyway. if_modified_since exact (default).
    '  etag off;',
    '  server {',
    `    listen 127.0.0.1:${o.port};`,
    `    root ${o.root};`,
    '    location / {',
    ...headers,
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export async function startNginx(o: NginxOptions): Promise<Nginx> {
  for (const d of ['tmp', 'logs']) mkdirSync(join(o.prefix, d), { recursive: true });
  // The worker runs as nobody when the master is root: it must be able to read the files.
  chmodSync(o.prefix, 0o755);
  const conf = join(o.prefix, 'nginx.conf');
  writeFileSync(conf, nginxConfig(o));
  // -e: the error log before the config is read (the built-in default is not ours to write).
  const server = spawnServer('nginx', ['-c', conf, '-p', o.prefix, '-e', join(o.prefix, 'error.log')]);
  for (let i = 0; i < 100; i++) {
    if (server.exited()) throw new Error(`nginx exited at start: ${server.output()} ${readFileSync(join(o.prefix, 'error.log'), 'utf8')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${o.port}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      // SIGQUIT is nginx's graceful shutdown; the master takes its worker with it.
      return { port: o.port, stop: () => server.stop('SIGQUIT') };
    } catch {
      await delay(50);
    }
  }
  await server.stop('SIGQUIT');
  throw new Error('nginx did not answer within 5 s');
}
