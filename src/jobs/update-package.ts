// The package update job: list the remote (cheap), stop if nothing changed, else refresh the
// mirror, read composer.json only for new commits (one batch), scan, and apply the result and
// the re-rendered metadata in one transaction. Failures keep the last good versions.
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Db, Tx } from '../db/client.js';
import type { Logger } from '../log.js';
import { manifestCache, organizations, packageRefs, packages, versions } from '../db/schema.js';
import { AppError, isAppError } from '../domain/errors.js';
import { commitsToRead, scanRefs, type ScannedVersion } from '../composer/scan.js';
import { packageLimitsOf } from '../composer/package-limits.js';
import { writeMetadataFiles } from '../services/metadata.js';
import { loadVcsCredential } from '../services/credentials.js';
import type { SecretBox } from '../services/secrets.js';
import type { ForgeProvider } from '../sync/forges.js';
import { DEFAULT_SVN_LAYOUT, fileKey, type Driver, type RemoteState, type SvnLayout, type VcsCredential, type VcsType } from '../vcs/types.js';
import { sshHostOf } from '../vcs/url.js';
import { guardDriver, type NetworkGuard } from '../vcs/network-guard.js';
import { READS_FROM_REMOTE, type DriverFactory } from '../vcs/registry.js';
import { hostIsBound, hostMismatch, urlHost } from '../vcs/credential-hosts.js';
import { orgNameOf } from '../services/packages.js';
import { ensureHostKey, knownHostsFor } from '../services/host-keys.js';
import { JobDeferred, JobError, type JobHandler } from './runner.js';
import type { JobQueue } from './queue.js';
import type { Mutexes } from './mutex.js';
import { BUILD_DIST, PRIORITY, UPDATE_PACKAGE } from './job-types.js';

export { UPDATE_PACKAGE };

/**
 * What building a package's VCS driver needs (driverFor; also the dist builds of build-dist.ts
 * and the composer routes): the package row, its credential or its integration's, the drivers,
 * the network guard, and where mirrors and scratch files go.
 */
export interface DriverDeps {
  db: Db;
  box: SecretBox;
  forges: Pick<ForgeProvider, 'get' | 'config'>;
  drivers: ReadonlyMap<VcsType, DriverFactory>;
  network: NetworkGuard;
  paths: { mirrors: string; tmp: string };
  config: Pick<Config, 'vcs'>;
}

/** What the update job needs besides the driver: limits, the metadata's URL, dist builds ahead, the repo lock. */
export interface UpdateDeps extends DriverDeps {
  config: Pick<Config, 'vcs' | 'limits' | 'server' | 'jobs'>;
  log: Logger;
  queue: JobQueue;
  locks: Pick<Mutexes, 'run'>;
}

export interface UpdateSummary {
  changed: boolean;
  name: string | null;
  added: string[];
  removed: string[];
  updated: string[];
  skipped: number;
  error?: string;
}

export function remoteStateHash(remote: RemoteState): string {
  const lines = remote.refs.map((r) => `${r.kind} ${r.name} ${r.commit}`).sort();
  return createHash('sha256').update(`${remote.defaultBranch}\n${lines.join('\n')}`).digest('hex');
}

export function mirrorDir(deps: { paths: { mirrors: string } }, packageId: number, vcsType: string): string {
  return join(deps.paths.mirrors, `${packageId}.${vcsType}`);
}

/** The CA file for a credential's PEM, written once under the data dir's tmp (content-addressed). */
function caFileFor(deps: { paths: { tmp: string } }, pem: string | null): string | undefined {
  if (pem === null || pem.trim() === '') return undefined;
  const dir = join(deps.paths.tmp, 'ca');
  const file = join(dir, `${createHash('sha256').update(pem).digest('hex').slice(0, 32)}.pem`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, pem, { mode: 0o600 });
    renameSync(temp, file);
  }
  return file;
}

function svnLayout(options: Record<string, string | false> | null): SvnLayout | undefined {
  if (options === null) return undefined;
  const pick = (key: string, fallback: string | false): string | false => (key in options ? (options[key] ?? fallback) : fallback);
  const packagePath = pick('package-path', '');
  return {
    trunkPath: pick('trunk-path', DEFAULT_SVN_LAYOUT.trunkPath),
    branchesPath: pick('branches-path', DEFAULT_SVN_LAYOUT.branchesPath),
    tagsPath: pick('tags-path', DEFAULT_SVN_LAYOUT.tagsPath),
    packagePath: packagePath === false ? '' : packagePath,
  };
}

/**
 * The credential a package's repository is reached with, and the hosts it is bound to: its stored
 * credential, or for packages a forge sync added, the integration's code credential (a GitHub
 * App's installation token is refreshed by the forge before it expires), bound to the
 * integration's own hosts (`url`, `api_url`, and those the forge names, such as github.com for
 * `url: https://www.github.com`), as Basic or, when the forge says so, as Bearer.
 */
async function credentialFor(deps: Pick<DriverDeps, 'db' | 'box' | 'forges'>, pkg: { orgId: number; credentialId: number | null; integration: string | null }) {
  if (pkg.credentialId !== null) return loadVcsCredential(deps.db, deps.box, pkg.credentialId);
  if (pkg.integration === null) return undefined;
  const org = deps.db.select({ source: organizations.syncSource }).from(organizations).where(eq(organizations.id, pkg.orgId)).get();
  const forge = deps.forges.get(pkg.integration);
  const code = await forge.codeCredential(org?.source ?? '');
  const integration = deps.forges.config(pkg.integration);
  const caFile = integration.ca_file;
  const ca = caFile === undefined ? null : readFileSync(caFile, 'utf8');
  const hosts = [integration.url, integration.api_url].map((u) => (u === undefined ? undefined : urlHost(u)?.normal)).filter((h): h is string => h !== undefined);
  hosts.push(...(code.hosts ?? []));
  return {
    name: `integration ${pkg.integration}`,
    // Bearer: git sends it as a header to the package URL's host only, redirects off (git-env.ts); hg and svn refuse it.
    credential: (code.scheme === 'bearer' ? { type: 'http-bearer', token: code.password } : { type: 'http-basic', username: code.username, password: code.password }) as VcsCredential,
    caPem: ca,
    hosts: [...new Set(hosts)],
  };
}

/** Builds the VCS driver for a stored package (decrypting its credential in memory). */
export async function driverFor(deps: DriverDeps, packageId: number, signal?: AbortSignal): Promise<Driver> {
  const pkg = deps.db.select().from(packages).where(eq(packages.id, packageId)).get();
  if (!pkg) throw new AppError('PACKAGE_NOT_FOUND', `package ${packageId} no longer exists`);
  const factory = deps.drivers.get(pkg.vcsType);
  if (!factory) throw new AppError('VCS_ERROR', `no driver for ${pkg.vcsType} repositories`);
  const loaded = await credentialFor(deps, pkg);
  const target = urlHost(pkg.url);
  if (loaded !== undefined && target !== null && !hostIsBound(target, loaded.hosts)) {
    // Checked here too for the message: it names the organization (or the integration) in the fix.
    if (pkg.credentialId === null && pkg.integration !== null) {
      throw new AppError(
        'CREDENTIAL_HOST_MISMATCH',
        `The clone URL's host ${target.normal} is not a host of integration "${pkg.integration}" (${loaded.hosts.join(', ') || 'none'}), so its token is not sent there. ` +
          "Set the integration's url or api_url to the forge's host.",
        { integration: pkg.integration, host: target.normal, hosts: loaded.hosts },
      );
    }
    throw hostMismatch(loaded.name, target, loaded.hosts, orgNameOf(deps.db, pkg.orgId));
  }
  const ssh = sshHostOf(pkg.url);
  const driver = factory({
    url: pkg.url,
    mirrorDir: mirrorDir(deps, pkg.id, pkg.vcsType),
    credential: loaded?.credential,
    credentialName: loaded?.name,
    credentialHosts: loaded?.hosts,
    tmpDir: deps.paths.tmp,
    timeoutMs: deps.config.vcs.timeout_seconds * 1000,
    connectTimeoutMs: deps.config.vcs.connect_timeout_seconds * 1000,
    signal,
    knownHosts: ssh === null ? undefined : knownHostsFor(deps.db, ssh.pattern),
    caFile: caFileFor(deps, loaded?.caPem ?? null),
    svn: pkg.vcsType === 'svn' ? svnLayout(pkg.vcsOptions) : undefined,
  });
  // vcs.denied_networks and the connect timeout, before every command that reaches the server.
  return guardDriver(driver, deps.network, pkg.url, READS_FROM_REMOTE.has(pkg.vcsType), signal);
}

/**
 * Pins the ssh host key of a package's server on first use: when neither the host-key store nor
 * the package's credential pins a key for the URL's host, the key the server presents now is
 * stored (source first-use, audited, shown by `host-key list` and `package show`).
 */
async function pinHostKeyOnFirstUse(deps: Pick<UpdateDeps, 'db' | 'box' | 'network' | 'config' | 'log'>, pkg: { url: string; credentialId: number | null }): Promise<void> {
  const ssh = sshHostOf(pkg.url);
  if (ssh === null || knownHostsFor(deps.db, ssh.pattern) !== '') return;
  if (pkg.credentialId !== null) {
    const { credential } = loadVcsCredential(deps.db, deps.box, pkg.credentialId);
    if (credential.type === 'ssh-key' && (credential.knownHosts ?? '').trim() !== '') return;
  }
  await deps.network.reach(pkg.url);
  const r = await ensureHostKey(deps.db, ssh, Math.min(30_000, deps.config.vcs.timeout_seconds * 1000));
  if (r.captured) {
    deps.log.warn({ host: r.captured.host, keyType: r.captured.keyType, fingerprint: r.captured.fingerprint },
      'pinned the ssh host key of a new host on first use; check the fingerprint with the server\'s admin (packyard host-key list)');
  }
}

function toRfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function recordFailure(deps: Pick<UpdateDeps, 'db'>, packageId: number, e: unknown): void {
  const code = isAppError(e) ? e.code : 'INTERNAL';
  const message = e instanceof Error ? e.message : String(e);
  deps.db.update(packages)
    .set({ status: 'error', lastError: message, lastErrorCode: code, lastErrorAt: Date.now() })
    .where(eq(packages.id, packageId))
    .run();
}

const PERMANENT_VCS_ERRORS = new Set(['VCS_AUTH_FAILED', 'VCS_NOT_FOUND', 'VCS_HOST_KEY', 'URL_NOT_ALLOWED', 'VCS_URL_DENIED', 'CREDENTIAL_NOT_FOUND', 'CREDENTIAL_HOST_MISMATCH']);

export async function updatePackage(deps: UpdateDeps, packageId: number, opts: { force?: boolean; signal?: AbortSignal } = {}): Promise<UpdateSummary> {
  return deps.locks.run(`repo:${packageId}`, async () => {
    const pkg = deps.db.select().from(packages).where(eq(packages.id, packageId)).get();
    if (!pkg) throw new AppError('PACKAGE_NOT_FOUND', `package ${packageId} no longer exists`);
    await pinHostKeyOnFirstUse(deps, pkg);
    const driver = await driverFor(deps, packageId, opts.signal);
    const remote = await driver.listRemote();
    const hash = remoteStateHash(remote);
    const summary: UpdateSummary = { changed: false, name: pkg.name, added: [], removed: [], updated: [], skipped: 0 };
    if (!opts.force && hash === pkg.remoteStateHash && pkg.status === 'ok') {
      deps.db.update(packages).set({ lastUpdatedAt: Date.now() }).where(eq(packages.id, packageId)).run();
      // Nothing changed, so the refs skipped last time still are (the "N refs skipped" hint).
      summary.skipped = deps.db.select({ n: sql<number>`count(*)` }).from(packageRefs)
        .where(and(eq(packageRefs.packageId, packageId), isNotNull(packageRefs.skipReason))).get()?.n ?? 0;
      return summary;
    }
    await driver.syncMirror();

    const cachedRows = deps.db.select({ commit: manifestCache.commit, content: manifestCache.content, time: manifestCache.time })
      .from(manifestCache).where(eq(manifestCache.packageId, packageId)).all();
    const manifests = new Map<string, Buffer | null>(cachedRows.map((r) => [r.commit, r.content]));
    const times = new Map<string, string>();
    for (const r of cachedRows) if (r.time) times.set(r.commit, r.time);
    const limits = packageLimitsOf(deps.config.limits);
    const toRead = commitsToRead(remote, new Set(manifests.keys()), limits);
    // composer.json files over limits.composer_json_bytes: never read, never cached (sizes only).
    const oversized = new Map<string, number>();
    if (toRead.length > 0) {
      const found = new Map<string, number>();
      const files = await driver.readFiles(toRead.map((commit) => ({ commit, path: 'composer.json' })), { maxBytes: limits.composerJsonBytes, oversized: found });
      const dates = await driver.commitTimes(toRead);
      for (const c of toRead) {
        const bytes = files.get(fileKey(c, 'composer.json')) ?? null;
        const size = found.get(fileKey(c, 'composer.json')) ?? (bytes !== null && bytes.length > limits.composerJsonBytes ? bytes.length : undefined);
        if (size !== undefined) {
          oversized.set(c, size);
          continue;
        }
        manifests.set(c, bytes);
        const d = dates.get(c);
        if (d) times.set(c, toRfc3339(d));
      }
    }
    const result = scanRefs({ remote, manifests, times, oversized, limits });
    const org = deps.db.select().from(organizations).where(eq(organizations.id, pkg.orgId)).get();
    if (!org) throw new AppError('ORG_NOT_FOUND', `organization ${pkg.orgId} no longer exists`);

    const newCommits: string[] = [];
    deps.db.transaction((tx) => {
      const now = Date.now();
      // Prepared once per table: building each row's SQL with the query builder took ~0.3 s of a
      // 1,000-tag import (scripts/bench). The same applies to the refs and versions below.
      const putManifest = tx.insert(manifestCache)
        .values({ packageId, commit: sql.placeholder('commit'), content: sql.placeholder('content'), time: sql.placeholder('time') })
        .onConflictDoUpdate({ target: [manifestCache.packageId, manifestCache.commit], set: { content: sql.raw('excluded."content"'), time: sql.raw('excluded."time"') } })
        .prepare();
      for (const c of toRead) if (!oversized.has(c)) putManifest.run({ commit: c, content: manifests.get(c) ?? null, time: times.get(c) ?? null });
      if (!result.ok) {
        tx.update(packages)
          .set({ status: 'error', lastError: result.error, lastErrorCode: 'PACKAGE_NAME_INVALID', lastErrorAt: now, lastUpdatedAt: now })
          .where(eq(packages.id, packageId))
          .run();
        summary.error = result.error;
        return;
      }
      const clash = tx.select({ id: packages.id, url: packages.url }).from(packages)
        .where(and(eq(packages.orgId, pkg.orgId), eq(packages.name, result.name))).get();
      if (clash && clash.id !== packageId) {
        const error = `package name ${result.name} is already used in this organization by ${clash.url}`;
        tx.update(packages).set({ status: 'error', lastError: error, lastErrorCode: 'PACKAGE_EXISTS', lastErrorAt: now, lastUpdatedAt: now })
          .where(eq(packages.id, packageId)).run();
        summary.error = error;
        return;
      }
      const before = tx.select({ normalized: versions.normalized, commit: versions.commit, version: versions.version })
        .from(versions).where(eq(versions.packageId, packageId)).all();
      const beforeMap = new Map(before.map((v) => [v.normalized, v]));
      const afterMap = new Map(result.versions.map((v) => [v.normalized, v]));
      for (const v of result.versions) {
        const b = beforeMap.get(v.normalized);
        if (!b) summary.added.push(v.version);
        else if (b.commit !== v.commit) summary.updated.push(v.version);
        if (!b || b.commit !== v.commit) newCommits.push(v.commit);
      }
      for (const b of before) if (!afterMap.has(b.normalized)) summary.removed.push(b.version);
      const nameChanged = pkg.name !== result.name;
      replaceVersions(tx, packageId, result.versions);
      tx.delete(packageRefs).where(eq(packageRefs.packageId, packageId)).run();
      const putRef = tx.insert(packageRefs)
        .values({ packageId, kind: sql.placeholder('kind'), name: sql.placeholder('name'), commit: sql.placeholder('commit'), version: sql.placeholder('version'), skipReason: sql.placeholder('skipReason') })
        .prepare();
      for (const r of result.refs) putRef.run({ kind: r.kind, name: r.name, commit: r.commit, version: r.version, skipReason: r.skipReason });
      tx.update(packages)
        .set({ name: result.name, defaultBranch: remote.defaultBranch, remoteStateHash: hash, status: 'ok', lastUpdatedAt: now, lastError: null, lastErrorCode: null, lastErrorAt: null })
        .where(eq(packages.id, packageId))
        .run();
      writeMetadataFiles(tx, { packageId, orgName: org.name, name: result.name, url: pkg.url, vcsType: pkg.vcsType }, deps.config.server.public_url, now);
      if (nameChanged) tx.update(organizations).set({ packagesChangedAt: now }).where(eq(organizations.id, org.id)).run();
      summary.changed = summary.added.length + summary.removed.length + summary.updated.length > 0 || nameChanged;
      summary.name = result.name;
      summary.skipped = result.refs.filter((r) => r.skipReason !== null).length;
    });
    if (deps.config.jobs.build_dists_ahead) {
      for (const commit of new Set(newCommits)) {
        deps.queue.enqueue({ type: BUILD_DIST, lockKey: `dist:${packageId}:${commit}`, payload: { packageId, commit }, trigger: 'update', maxAttempts: 2 });
      }
    }
    return summary;
  });
}

function replaceVersions(tx: Tx, packageId: number, list: ScannedVersion[]): void {
  const existing = tx.select({ id: versions.id, normalized: versions.normalized }).from(versions).where(eq(versions.packageId, packageId)).all();
  const keep = new Set(list.map((v) => v.normalized));
  const gone = existing.filter((e) => !keep.has(e.normalized)).map((e) => e.id);
  if (gone.length > 0) tx.delete(versions).where(inArray(versions.id, gone)).run();
  const p = (name: string) => sql.placeholder(name);
  const excluded = (column: { name: string }) => sql.raw(`excluded."${column.name}"`);
  const put = tx.insert(versions)
    .values({
      packageId, version: p('version'), normalized: p('normalized'), isDev: p('isDev'), refKind: p('refKind'), refName: p('refName'),
      commit: p('commit'), stability: p('stability'), time: p('time'), data: p('data'), position: p('position'),
    })
    .onConflictDoUpdate({
      target: [versions.packageId, versions.normalized],
      set: {
        version: excluded(versions.version), isDev: excluded(versions.isDev), refKind: excluded(versions.refKind), refName: excluded(versions.refName),
        commit: excluded(versions.commit), stability: excluded(versions.stability), time: excluded(versions.time), data: excluded(versions.data),
        position: excluded(versions.position),
      },
    })
    .prepare();
  list.forEach((v, position) => {
    put.run({
      version: v.version, normalized: v.normalized, isDev: v.isDev, refKind: v.refKind, refName: v.refName,
      commit: v.commit, stability: v.stability, time: v.time, data: JSON.stringify(v.data), position,
    });
  });
}

/**
 * Background updates of a package whose host failed to connect recently wait (no connection, no
 * attempt counted) until the host's backoff ends; updates a person or a webhook asked for try.
 */
function deferIfHostFailing(deps: Pick<UpdateDeps, 'db' | 'network'>, packageId: number, priority: number): void {
  if (priority >= PRIORITY.asked) return;
  const url = deps.db.select({ url: packages.url }).from(packages).where(eq(packages.id, packageId)).get()?.url;
  if (url === undefined) return;
  const until = deps.network.failingUntil(url);
  if (until === 0) return;
  throw new JobDeferred(`waiting until ${new Date(until).toISOString()}: the repository's host failed to connect recently (background update; "Update now" tries at once)`, until);
}

export function createUpdatePackageHandler(deps: UpdateDeps): JobHandler {
  return async ({ job, log, signal }) => {
    const packageId = Number(job.payload.packageId);
    deferIfHostFailing(deps, packageId, job.priority);
    try {
      const summary = await updatePackage(deps, packageId, { force: job.payload.force === true, signal });
      log.info({ packageId, changed: summary.changed, added: summary.added.length, removed: summary.removed.length }, 'package updated');
      if (summary.error) throw new JobError(summary.error, false, { ...summary });
      return { ...summary };
    } catch (e) {
      if (e instanceof JobError) throw e;
      // Given up (the server is stopping): not the package's failure; the job runs again.
      if (signal.aborted) throw new JobError('interrupted', true);
      recordFailure(deps, packageId, e);
      const code = isAppError(e) ? e.code : 'INTERNAL';
      throw new JobError(e instanceof Error ? e.message : String(e), !PERMANENT_VCS_ERRORS.has(code) && code !== 'PACKAGE_NOT_FOUND', { code });
    }
  };
}
