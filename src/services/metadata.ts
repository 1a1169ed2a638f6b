// Stores the rendered p2 files of a package: re-rendered from the versions table when the
// package changes, written only when their bytes change, with a strictly increasing
// Last-Modified (composer revalidates with If-Modified-Since, one-second resolution).
import { and, eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { distUrlKey } from '../composer/dist.js';
import { gzipSync } from 'node:zlib';
import type { Tx } from '../db/client.js';
import { metadataFiles, organizations, packages, settings, versions } from '../db/schema.js';
import { buildP2Documents, type StoredVersion } from '../composer/metadata.js';
import type { JsonObject } from '../composer/json.js';
import type { Logger } from '../log.js';

export interface MetadataTarget {
  packageId: number;
  orgName: string;
  name: string;
  url: string;
  vcsType: 'git' | 'hg' | 'svn';
}

export function distUrl(publicUrl: string, orgName: string, name: string, reference: string): string {
  return `${publicUrl}/${orgName}/dists/${name}/${distUrlKey(reference)}.zip`;
}

function storeFile(tx: Tx, packageId: number, kind: 'tags' | 'dev', json: string, now: number): boolean {
  const sha1 = createHash('sha1').update(json).digest('hex');
  const prev = tx.select({ sha1: metadataFiles.sha1, lastModified: metadataFiles.lastModified }).from(metadataFiles)
    .where(and(eq(metadataFiles.packageId, packageId), eq(metadataFiles.kind, kind))).get();
  if (prev?.sha1 === sha1) return false;
  const second = Math.floor(now / 1000) * 1000;
  const lastModified = prev ? Math.max(second, prev.lastModified + 1000) : second;
  const values = { json: Buffer.from(json), gzip: gzipSync(json, { level: 9 }), sha1, lastModified };
  if (prev) {
    tx.update(metadataFiles).set(values).where(and(eq(metadataFiles.packageId, packageId), eq(metadataFiles.kind, kind))).run();
  } else {
    tx.insert(metadataFiles).values({ packageId, kind, ...values }).run();
  }
  return true;
}

/** Renders and stores both p2 files; returns which changed. Call inside the update's transaction. */
export function writeMetadataFiles(tx: Tx, target: MetadataTarget, publicUrl: string, now = Date.now()): { tags: boolean; dev: boolean } {
  const rows = tx.select().from(versions).where(eq(versions.packageId, target.packageId)).all();
  const stored: StoredVersion[] = rows.map((r) => ({
    version: r.version,
    normalized: r.normalized,
    isDev: r.isDev,
    commit: r.commit,
    defaultBranch: (JSON.parse(r.data) as JsonObject)['default-branch'] === true,
    data: JSON.parse(r.data) as JsonObject,
  }));
  const docs = buildP2Documents(stored, {
    name: target.name,
    vcsType: target.vcsType,
    sourceUrl: target.url,
    distUrl: (commit) => distUrl(publicUrl, target.orgName, target.name, commit),
  });
  return { tags: storeFile(tx, target.packageId, 'tags', docs.tags, now), dev: storeFile(tx, target.packageId, 'dev', docs.dev, now) };
}

/** At start-up: when public_url changed since the files were rendered, re-render every package. */
export function refreshRenderedMetadata(deps: { db: Tx; config: { server: { public_url: string } }; log: Logger }): number {
  const { db } = deps;
  const publicUrl = deps.config.server.public_url;
  const stored = db.select().from(settings).where(eq(settings.key, 'public_url')).get();
  if (stored?.value === publicUrl) return 0;
  return db.transaction((tx) => {
    const all = tx
      .select({ id: packages.id, name: packages.name, url: packages.url, vcsType: packages.vcsType, orgName: organizations.name })
      .from(packages)
      .innerJoin(organizations, eq(organizations.id, packages.orgId))
      .all();
    let n = 0;
    for (const p of all) {
      if (!p.name) continue;
      writeMetadataFiles(tx, { packageId: p.id, orgName: p.orgName, name: p.name, url: p.url, vcsType: p.vcsType }, publicUrl);
      n++;
    }
    tx.insert(settings).values({ key: 'public_url', value: publicUrl }).onConflictDoUpdate({ target: settings.key, set: { value: publicUrl } }).run();
    if (n > 0) deps.log.info({ packages: n, publicUrl }, 'metadata re-rendered for a new public_url');
    return n;
  });
}
