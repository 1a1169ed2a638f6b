// Packages: add a repository (checked URL, optional credential), request updates through the
// job queue, describe a package (versions, skipped refs, last update and error), and remove one.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { dists, forgeRepos, organizations, packageRefs, packages, removedDists, versions } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';
import { checkRepositoryUrl, redactUrl } from '../vcs/url.js';
import type { VcsType } from '../vcs/types.js';
import type { JobQueue, JobRow } from '../jobs/queue.js';
import { requestUpdate } from '../jobs/requests.js';
import { newHookToken } from './hook-urls.js';
import type { SecretBox } from './secrets.js';
import { getOrg } from './orgs.js';
import { attachCredential } from './credential-binding.js';

export type PackageRow = typeof packages.$inferSelect;

export interface AddPackageInput {
  org: string;
  url: string;
  type?: VcsType | undefined;
  /** A stored credential's name: callers check `package:credential` (owners) before passing one. */
  credential?: string | undefined;
  /** svn layout as composer names it: trunk-path, branches-path, tags-path (a path, or false), package-path. */
  vcsOptions?: Record<string, string | false> | undefined;
}

const SVN_OPTION_KEYS = ['trunk-path', 'branches-path', 'tags-path', 'package-path'];

/** Checks composer's svn layout options: relative paths without "..", or false (not package-path). */
export function checkVcsOptions(type: VcsType, options: Record<string, string | false> | undefined): Record<string, string | false> | null {
  if (options === undefined || Object.keys(options).length === 0) return null;
  if (type !== 'svn') throw new AppError('BAD_REQUEST', `${Object.keys(options).join(', ')} apply to svn repositories only`);
  const out: Record<string, string | false> = {};
  for (const [k, v] of Object.entries(options)) {
    if (!SVN_OPTION_KEYS.includes(k)) throw new AppError('BAD_REQUEST', `unknown svn option "${k}" (known: ${SVN_OPTION_KEYS.join(', ')})`);
    if (v === false) {
      if (k === 'package-path') throw new AppError('BAD_REQUEST', 'package-path cannot be false');
      out[k] = false;
      continue;
    }
    const path = v.replace(/^\/+|\/+$/g, '');
    // eslint-disable-next-line no-control-regex
    if (path.split('/').some((seg) => seg === '..' || seg === '.') || /[\u0000-\u001f@]/.test(path)) {
      throw new AppError('BAD_REQUEST', `svn option ${k} "${v}" must be a plain relative path (no "..", "@" or control characters)`);
    }
    if (path === '' && k !== 'package-path') throw new AppError('BAD_REQUEST', `svn option ${k} is empty; use false to turn it off`);
    out[k] = path;
  }
  return out;
}

export interface UrlPolicy {
  allowLocalPaths: boolean;
  allowedProtocols: readonly string[];
  /** Repository types this instance has a driver for. */
  vcsTypes: readonly VcsType[];
}

/**
 * The repository type a URL implies when none is given: svn for svn:// and svn+ssh:// (only svn
 * speaks them), else git. A conflicting explicit type is refused rather than left to fail later.
 */
export function inferVcsType(url: string, given: VcsType | undefined): VcsType {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  const svnOnly = scheme === 'svn' || scheme === 'svn+ssh';
  if (given === undefined) return svnOnly ? 'svn' : 'git';
  if (svnOnly && given !== 'svn') {
    throw new AppError('BAD_REQUEST', `A ${scheme}:// URL is a Subversion repository, not ${given}; give the type svn (or leave it out).`, { url: redactUrl(url) });
  }
  return given;
}

/**
 * Adds the package row and queues its first import; returns the row, the job and the hook secret.
 * `box` seals the hook token so the package page can show its URL again (the CLI and the UI pass
 * it; without it only the hash is stored, and the URL is shown once).
 */
export function addPackage(db: Tx, queue: JobQueue, policy: UrlPolicy, input: AddPackageInput, actor: string, box?: Pick<SecretBox, 'seal'>): { pkg: PackageRow; job: JobRow; hookToken: string } {
  checkRepositoryUrl(input.url, policy);
  const type: VcsType = inferVcsType(input.url, input.type);
  if (!policy.vcsTypes.includes(type)) {
    throw new AppError('BAD_REQUEST', `${type} repositories are not supported yet (supported: ${policy.vcsTypes.join(', ')})`);
  }
  const vcsOptions = checkVcsOptions(type, input.vcsOptions);
  const { token: hookToken, columns: hook } = newHookToken(box);
  const pkg = db.transaction((tx) => {
    const org = getOrg(tx, input.org);
    const credentialId = input.credential ? attachCredential(tx, org, input.credential, input.url, actor) : null;
    const dup = tx.select({ id: packages.id }).from(packages).where(and(eq(packages.orgId, org.id), eq(packages.url, input.url))).get();
    if (dup) throw new AppError('PACKAGE_EXISTS', `organization "${org.name}" already has a package for ${input.url}`, { url: input.url });
    const row = tx
      .insert(packages)
      .values({ orgId: org.id, url: input.url, vcsType: type, vcsOptions, credentialId, ...hook, status: 'new', createdAt: Date.now() })
      .returning()
      .get();
    writeAudit(tx, { orgId: org.id, actor, action: 'package.add', target: input.url, details: { type, credential: input.credential } });
    return row;
  });
  const { job } = requestUpdate(queue, pkg.id, actor);
  return { pkg, job, hookToken };
}

export function getPackageByName(db: Tx, orgName: string, name: string): PackageRow & { orgName: string } {
  const org = getOrg(db, orgName);
  const lower = name.toLowerCase();
  const pkg = db.select().from(packages).where(and(eq(packages.orgId, org.id), eq(packages.name, lower))).get()
    ?? db.select().from(packages).where(and(eq(packages.orgId, org.id), eq(packages.url, name))).get();
  if (!pkg) throw new AppError('PACKAGE_NOT_FOUND', `organization "${orgName}" has no package "${name}"`, { org: orgName, package: name });
  return { ...pkg, orgName: org.name };
}

export function listPackages(db: Tx, orgName: string): PackageRow[] {
  const org = getOrg(db, orgName);
  return db.select().from(packages).where(eq(packages.orgId, org.id)).orderBy(asc(packages.name)).all();
}

export interface PackageDetails {
  pkg: PackageRow & { orgName: string };
  versions: { version: string; normalized: string; stability: string; refKind: string; refName: string; commit: string; time: string | null }[];
  skipped: { kind: string; name: string; commit: string; reason: string }[];
}

export function describePackage(db: Tx, orgName: string, name: string): PackageDetails {
  const pkg = getPackageByName(db, orgName, name);
  const vs = db.select().from(versions).where(eq(versions.packageId, pkg.id)).orderBy(asc(versions.position)).all();
  const refs = db.select().from(packageRefs).where(eq(packageRefs.packageId, pkg.id)).all();
  return {
    pkg,
    versions: vs.map((v) => ({ version: v.version, normalized: v.normalized, stability: v.stability, refKind: v.refKind, refName: v.refName, commit: v.commit, time: v.time })),
    skipped: refs.filter((r) => r.skipReason !== null).map((r) => ({ kind: r.kind, name: r.name, commit: r.commit, reason: r.skipReason as string })),
  };
}

export function orgNameOf(db: Tx, orgId: number): string {
  return db.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, orgId)).get()?.name ?? String(orgId);
}

/**
 * Adds a repository of a synced organization's forge as a package (the "one click" for existing
 * repositories when auto_add_packages is off): found by owner/name in the last sync's listing,
 * cloned with the integration's credential, linked so later syncs keep its access and marks.
 */
export function addForgePackage(db: Tx, queue: JobQueue, orgName: string, fullName: string, actor: string, box?: Pick<SecretBox, 'seal'>): { pkg: PackageRow; job: JobRow; hookToken: string } {
  const { token: hookToken, columns: hook } = newHookToken(box);
  const pkg = db.transaction((tx) => {
    const org = getOrg(tx, orgName);
    if (!org.syncIntegration) throw new AppError('BAD_REQUEST', `organization "${orgName}" is not synced with a forge; give a repository URL instead`);
    const repo = tx.select().from(forgeRepos)
      .where(and(eq(forgeRepos.orgId, org.id), sql`lower(${forgeRepos.fullName}) = ${fullName.toLowerCase()}`, isNull(forgeRepos.deletedAt))).get();
    if (!repo) {
      throw new AppError('NOT_FOUND', `no repository ${fullName} in the last sync of "${orgName}" (run: packyard sync --org ${orgName})`, { repository: fullName });
    }
    if (repo.packageId !== null) throw new AppError('PACKAGE_EXISTS', `${fullName} is already a package of "${orgName}"`);
    const dup = tx.select({ id: packages.id }).from(packages).where(and(eq(packages.orgId, org.id), eq(packages.url, repo.cloneUrl))).get();
    if (dup) throw new AppError('PACKAGE_EXISTS', `organization "${org.name}" already has a package for ${repo.cloneUrl}`);
    const row = tx.insert(packages).values({
      orgId: org.id, url: repo.cloneUrl, vcsType: 'git', credentialId: null, integration: org.syncIntegration,
      forgeStatus: repo.archived ? 'archived' : 'active', ...hook, status: 'new', createdAt: Date.now(),
    }).returning().get();
    // An owner adding it again undoes an earlier removal's "ignored".
    tx.update(forgeRepos).set({ packageId: row.id, ...(repo.composer === 'ignored' ? { composer: 'yes' as const } : {}), updatedAt: Date.now() })
      .where(eq(forgeRepos.id, repo.id)).run();
    writeAudit(tx, { orgId: org.id, actor, action: 'package.add', target: repo.cloneUrl, details: { repository: repo.fullName, integration: org.syncIntegration } });
    return row;
  });
  const { job } = requestUpdate(queue, pkg.id, actor);
  return { pkg, job, hookToken };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Removes a package: its metadata goes at once (the row and its versions, refs and p2 files; the
 * organization's packages.json changes), its built dists move to removed_dists and stay
 * downloadable for existing lock files for `graceDays`, then housekeeping deletes them. A synced
 * repository is marked ignored, so auto-add does not bring it back at the next sync.
 */
export function removePackage(db: Tx, orgName: string, name: string, graceDays: number, actor: string): { name: string; dists: number; expiresAt: number } {
  return db.transaction((tx) => {
    const pkg = getPackageByName(tx, orgName, name);
    const now = Date.now();
    const expiresAt = now + graceDays * DAY_MS;
    const packageName = pkg.name ?? pkg.url;
    const rows = tx.select().from(dists).where(eq(dists.packageId, pkg.id)).all();
    for (const d of rows) {
      const values = { orgId: pkg.orgId, packageName, packageId: pkg.id, commit: d.commit, path: d.path, size: d.size, sha1: d.sha1, removedAt: now, expiresAt };
      tx.insert(removedDists).values(values).onConflictDoUpdate({ target: [removedDists.orgId, removedDists.packageName, removedDists.commit], set: values }).run();
    }
    const ignored = tx.update(forgeRepos).set({ composer: 'ignored', packageId: null, updatedAt: now }).where(eq(forgeRepos.packageId, pkg.id)).run().changes;
    tx.delete(packages).where(eq(packages.id, pkg.id)).run();
    tx.update(organizations).set({ packagesChangedAt: now, aclChangedAt: now }).where(eq(organizations.id, pkg.orgId)).run();
    writeAudit(tx, {
      orgId: pkg.orgId, actor, action: 'package.remove', target: packageName,
      details: { url: pkg.url, dists: rows.length, distsUntil: new Date(expiresAt).toISOString().slice(0, 10), ...(ignored ? { autoAdd: 'ignored' } : {}) },
    });
    return { name: packageName, dists: rows.length, expiresAt };
  });
}
