// A bare fastify server answering like Packyard's p2 route from constant bytes (no token, no
// database): the ceiling for Packyard's own stack on this machine, to read the p2 ratio against.
import Fastify from 'fastify';

export interface Baseline {
  url: string;
  close(): Promise<void>;
}

export async function startBaseline(path: string, body: { gzip: Buffer; lastModified: string }): Promise<Baseline> {
  const app = Fastify({ logger: false });
  const seconds = Math.floor(Date.parse(body.lastModified) / 1000);
  app.get(path, (req, reply) => {
    reply.header('Last-Modified', body.lastModified).header('Cache-Control', 'private, no-cache').header('Vary', 'Authorization, Accept-Encoding');
    const ims = req.headers['if-modified-since'];
    if (ims !== undefined && Math.floor(Date.parse(ims) / 1000) >= seconds) return reply.code(304).send();
    return reply.type('application/json').header('Content-Encoding', 'gzip').send(body.gzip);
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${address}${path}`, close: () => app.close() };
}
