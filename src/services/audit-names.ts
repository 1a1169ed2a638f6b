// The audit log for people: audit rows store ids (forge ids of teams, users and repositories in
// sync rows, Packyard package ids in details); this module finds which ids a page of rows uses
// and, with the names read in one batch per kind, turns each row into named parts. An id stays
// visible only when its object is gone ("team #3 (deleted)").
//
// What the writers store (src/sync/apply.ts, src/services/*, the UI routes):
//   access.grant   target "team:TEAM_EXT repo:REPO_EXT" or "user:LOGIN repo:REPO_EXT"
//   access.revoke  target "team:TEAM_EXT repo:REPO_EXT" or "user:USER_EXT repo:REPO_EXT"
//   details        team: TEAM_EXT (team.member.*), packageId (access.*, package.archive/move/…),
//                  job (delivery.replay), other keys as plain values (role, permission, from, to…)
//   other targets  already names (logins, slugs, URLs, full names, token and credential names)

export interface AuditRefs {
  teams: Set<string>;
  users: Set<string>;
  repos: Set<string>;
  packages: Set<number>;
}

export interface AuditNames {
  /** Team forge id → team name. */
  teams: ReadonlyMap<string, string>;
  /** User forge id (of the organization's integration) → login. */
  users: ReadonlyMap<string, string>;
  /** Repository forge id → owner/name. */
  repos: ReadonlyMap<string, string>;
  /** Package id → its name (null until the first import named it) and URL. */
  packages: ReadonlyMap<number, { name: string | null; url: string }>;
}

/** One piece of a row's text: plain, a package (linked by name), or an object that is gone. */
export interface AuditPart {
  text: string;
  /** The package's name: the view links its page. */
  package?: string;
  gone?: boolean;
}

export interface AuditDetail {
  key: string;
  value: AuditPart[];
}

export interface RawAuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string | null;
}

export interface NamedAuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: AuditPart[];
  /** null: no details; a string: details that are not a JSON object, shown as they are. */
  details: AuditDetail[] | string | null;
}

const ACCESS_TARGET = /^(team|user):(.*) repo:(.*)$/s;

type Parsed = { kind: 'object'; value: Record<string, unknown> } | { kind: 'text'; value: string } | null;

function parseDetails(details: string | null): Parsed {
  if (details === null) return null;
  try {
    const v: unknown = JSON.parse(details);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return { kind: 'object', value: v as Record<string, unknown> };
  } catch {
    // Not JSON: shown as text.
  }
  return { kind: 'text', value: details };
}

const isAccess = (action: string) => action === 'access.grant' || action === 'access.revoke';
const packageIdOf = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : null);

/** The ids a page of rows names, by kind (for one batched lookup each). */
export function auditRefs(rows: readonly RawAuditRow[]): AuditRefs {
  const refs: AuditRefs = { teams: new Set(), users: new Set(), repos: new Set(), packages: new Set() };
  for (const r of rows) {
    const m = isAccess(r.action) ? ACCESS_TARGET.exec(r.target) : null;
    if (m) {
      const [, subject, who, repo] = m as unknown as [string, string, string, string];
      if (subject === 'team') refs.teams.add(who);
      else if (r.action === 'access.revoke') refs.users.add(who);
      refs.repos.add(repo);
    }
    const d = parseDetails(r.details);
    if (d?.kind !== 'object') continue;
    if (typeof d.value.team === 'string') refs.teams.add(d.value.team);
    const pkg = packageIdOf(d.value.packageId);
    if (pkg !== null) refs.packages.add(pkg);
  }
  return refs;
}

/** An object the row names that no longer exists (or, with no id at all, was never known). */
const gone = (kind: string, id: string | number): AuditPart => ({ text: id === '' ? `${kind} (unknown)` : `${kind} #${id} (deleted)`, gone: true });

function teamPart(names: AuditNames, ext: string): AuditPart {
  const name = names.teams.get(ext);
  return name === undefined ? gone('team', ext) : { text: `team ${name}` };
}

function packagePart(names: AuditNames, id: number): AuditPart {
  const p = names.packages.get(id);
  if (!p) return gone('package', id);
  return p.name ? { text: p.name, package: p.name } : { text: p.url };
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k} ${valueText(x)}`).join(', ');
  return String(v);
}

/** "forgeLogin" → "forge login". */
const label = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

/** A row with names in place of ids. */
export function nameAuditRow(r: RawAuditRow, names: AuditNames): NamedAuditRow {
  let target: AuditPart[] = [{ text: r.target }];
  const m = isAccess(r.action) ? ACCESS_TARGET.exec(r.target) : null;
  if (m) {
    const [, subject, who, repo] = m as unknown as [string, string, string, string];
    let subjectPart: AuditPart;
    if (subject === 'team') subjectPart = teamPart(names, who);
    else if (r.action === 'access.revoke') {
      const login = names.users.get(who);
      subjectPart = login === undefined ? gone('user', who) : { text: `user ${login}` };
    } else subjectPart = { text: `user ${who}` };
    const repoName = names.repos.get(repo);
    target = [subjectPart, { text: ' on ' }, repoName === undefined ? gone('repository', repo) : { text: repoName }];
  }
  const d = parseDetails(r.details);
  let details: NamedAuditRow['details'] = null;
  if (d?.kind === 'text') details = d.value;
  else if (d?.kind === 'object') {
    details = Object.entries(d.value).map(([key, v]): AuditDetail => {
      if (key === 'team' && typeof v === 'string') {
        const name = names.teams.get(v);
        return { key, value: [name === undefined ? gone('team', v) : { text: name }] };
      }
      const pkg = key === 'packageId' ? packageIdOf(v) : null;
      if (pkg !== null) return { key: 'package', value: [packagePart(names, pkg)] };
      if (key === 'job' && packageIdOf(v) !== null) return { key, value: [{ text: `#${valueText(v)}` }] };
      return { key: label(key), value: [{ text: valueText(v) }] };
    });
  }
  return { id: r.id, at: r.at, actor: r.actor, action: r.action, target, details };
}
