// The composer repository endpoints under /ORG/: packages.json, p2 metadata, dists and the
// install notifications. Token auth; hidden and missing things are the same fast 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gzipSync } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { Type } from 'typebox';
import type { Config } from '../../config/schema.js';
import type { Sqlite } from '../../db/client.js';
import { can, canReadAllPackages, type OrgFacts, type Principal } from '../../domain/policy.js';
import { ORG_NAME_PATTERN } from '../../domain/orgs.js';
import type { AccessReader } from '../../services/access.js';
import type { ComposerReader, OrgLookup } from '../../services/composer-reader.js';
import type { FailedAuthCounter } from '../../services/failed-auth.js';
import type { TokenAuthenticator } from '../../services/tokens.js';
import { acceptsGzip, authenticateRequest, ifModifiedSince, rejectRequest, sendNotFound } from '../auth.js';
import { driverFor, type DriverDeps } from '../../jobs/update-package.js';
import { parseDistUrlKey, type DistStore, type StoredDist } from '../../composer/dist.js';

/** A short readable part of a download's file name: the commit's first 12 characters, or svn's path and revision. */
function distFileName(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 12) : ref.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
}

interface Resolved {
  principal: Principal;
  org: OrgLookup;
  facts: OrgFacts;
  /** The database generation this request reads at (one change check per request). */
  gen: number;
}

/** Formatting dates showed in profiles; the same few Last-Modified values repeat all day. */
function createHttpDate(): (ms: number) => string {
  const memo = new Map<number, string>();
  return (ms) => {
    let s = memo.get(ms);
    if (s === undefined) {
      if (memo.size > 10_000) memo.clear();
      s = new Date(ms).toUTCString();
      memo.set(ms, s);
    }
    return s;
  };
}

/** Sends JSON bytes with Last-Modified, the empty-body 304 composer expects, and gzip. */
function sendJson(httpDate: (ms: number) => string, req: FastifyRequest, reply: FastifyReply, json: Buffer, gzip: Buffer | null, lastModified: number): FastifyReply {
  const seconds = Math.floor(lastModified / 1000);
  reply.header('Last-Modified', httpDate(seconds * 1000)).header('Cache-Control', 'private, no-cache').header('Vary', 'Authorization, Accept-Encoding');
  const ims = ifModifiedSince(req);
  if (ims !== null && seconds <= ims) return reply.code(304).send();
  reply.type('application/json');
  if (acceptsGzip(req)) return reply.header('Content-Encoding', 'gzip').send(gzip ?? gzipSync(json));
  return reply.send(json);
}

function sendDist(reply: FastifyReply, dist: StoredDist, name: string, ref: string): FastifyReply {
  return reply
    .type('application/zip')
    .header('Content-Length', dist.size)
    .header('Cache-Control', 'private, max-age=31536000, immutable')
    .header('Content-Disposition', `attachment; filename="${name.replace('/', '-')}-${distFileName(ref)}.zip"`)
    .send(createReadStream(dist.file));
}

const PathOrg = Type.Object({ org: Type.String() });

/**
 * Token authentication and access, the memoized reads, the dist store, and what building a
 * package's driver needs (a dist built on its first download).
 */
export interface ComposerRouteDeps extends DriverDeps {
  config: Pick<Config, 'server' | 'vcs'>;
  sqlite: Sqlite;
  tokens: TokenAuthenticator;
  failedAuth: FailedAuthCounter;
  reader: ComposerReader;
  access: AccessReader;
  dists: Pick<DistStore, 'find' | 'findRemoved' | 'ensure'>;
}

export function composerRoutes(app: FastifyInstance, deps: ComposerRouteDeps): void {
  const reader = deps.reader;
  const httpDate = createHttpDate();
  const prefix = new URL(deps.config.server.public_url).pathname.replace(/\/+$/, '');

  /** Authenticates and resolves the organization; replies 401/404 itself and returns null then. */
  function resolve(req: FastifyRequest, reply: FastifyReply, orgName: string): Resolved | null {
    const gen = reader.tracker.current();
    const principal = authenticateRequest(deps.tokens, req, gen);
    if (!principal) {
      rejectRequest(deps.failedAuth, req, reply);
      return null;
    }
    const org = ORG_NAME_PATTERN.test(orgName) ? reader.org(orgName, gen) : null;
    if (!org) {
      sendNotFound(reply);
      return null;
    }
    const facts = deps.access.facts(principal, org, gen);
    if (!can(principal, 'org:read', { org: facts })) {
      sendNotFound(reply);
      return null;
    }
    return { principal, org, facts, gen };
  }

  app.get<{ Params: { org: string } }>('/:org/packages.json', { schema: { params: PathOrg } }, (req, reply) => {
    const r = resolve(req, reply, req.params.org);
    if (!r) return reply;
    const all = reader.packageNames(r.org.id, r.gen);
    const readAll = canReadAllPackages(r.principal, r.facts);
    const names = all.filter((p) => readAll || r.facts.grantedPackageIds.has(p.id)).map((p) => p.name);
    const userId = r.principal.kind === 'token' ? r.principal.userId : r.principal.kind === 'user' ? r.principal.userId : null;
    const lastModified = Math.max(r.org.packagesChangedAt, r.org.aclChangedAt, userId !== null ? reader.userAclChangedAt(userId, r.gen) : 0);
    const base = `${prefix}/${r.org.name}`;
    const body = Buffer.from(
      JSON.stringify({
        packages: [],
        'metadata-url': `${base}/p2/%package%.json`,
        'notify-batch': `${base}/downloads`,
        'available-packages': names,
      }),
    );
    return sendJson(httpDate, req, reply, body, null, lastModified);
  });

  app.get<{ Params: { org: string; vendor: string; file: string } }>('/:org/p2/:vendor/:file', (req, reply) => {
    const r = resolve(req, reply, req.params.org);
    if (!r) return reply;
    const m = /^(.+?)(~dev)?\.json$/.exec(req.params.file);
    if (!m) return sendNotFound(reply);
    const pkg = reader.package(r.org.id, `${req.params.vendor}/${m[1]}`.toLowerCase(), r.gen);
    if (!pkg || !can(r.principal, 'package:read', { org: r.facts, packageId: pkg.id })) return sendNotFound(reply);
    const file = reader.metadataFile(pkg.id, m[2] ? 'dev' : 'tags', r.gen);
    if (!file) return sendNotFound(reply);
    return sendJson(httpDate, req, reply, file.json, file.gzip, file.lastModified);
  });

  app.get<{ Params: { org: string; vendor: string; name: string; file: string } }>('/:org/dists/:vendor/:name/:file', async (req, reply) => {
    const r = resolve(req, reply, req.params.org);
    if (!r) return reply;
    const name = `${req.params.vendor}/${req.params.name}`.toLowerCase();
    const pkg = reader.package(r.org.id, name);
    const m = /^(.+)\.zip$/.exec(req.params.file);
    const ref = m?.[1] === undefined ? null : parseDistUrlKey(m[1]);
    if (ref === null) return sendNotFound(reply);
    if (!pkg) {
      // A removed package: its stored dists stay downloadable, for lock files, during the grace
      // period, for whoever may read the organization (its per-package grants went with it).
      const removed = deps.dists.findRemoved(r.org.id, name, ref);
      return removed ? sendDist(reply, removed, name, ref) : sendNotFound(reply);
    }
    if (!can(r.principal, 'package:read', { org: r.facts, packageId: pkg.id })) return sendNotFound(reply);
    let dist = deps.dists.find(pkg.id, ref);
    if (!dist) {
      if (!reader.isKnownCommit(pkg.id, ref)) return sendNotFound(reply);
      dist = await deps.dists.ensure(pkg.id, ref, async () => driverFor(deps, pkg.id));
    }
    return sendDist(reply, dist, pkg.name, ref);
  });

  const DownloadsBody = Type.Object({
    downloads: Type.Array(Type.Object({ name: Type.String({ maxLength: 300 }), version: Type.String({ maxLength: 300 }) }), { maxItems: 5000 }),
  });

  app.post<{ Params: { org: string }; Body: { downloads: { name: string; version: string }[] } }>(
    '/:org/downloads',
    { schema: { body: DownloadsBody } },
    (req, reply) => {
      const r = resolve(req, reply, req.params.org);
      if (!r) return reply;
      const day = new Date().toISOString().slice(0, 10);
      const count = deps.sqlite.transaction(() => {
        let n = 0;
        for (const d of req.body.downloads) {
          const pkg = reader.package(r.org.id, d.name.toLowerCase());
          if (!pkg || !can(r.principal, 'package:read', { org: r.facts, packageId: pkg.id })) continue;
          reader.countDownload(pkg.id, d.version, day);
          n++;
        }
        return n;
      })();
      return reply.code(200).send({ status: 'success', recorded: count });
    },
  );
}
