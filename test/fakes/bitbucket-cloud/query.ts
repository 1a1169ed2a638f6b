// A small subset of Bitbucket's query language (BBQL, "Filtering and sorting" in the API intro) over
// rendered objects: `path op value` clauses joined by AND or OR (no parentheses), ops = != > >= <
// <= ~ (contains) and IN ("a","b"); values are quoted strings, numbers, true/false/null. A
// `permission` field compares by rank (read < write < admin; member < collaborator < owner), so
// `permission>"read"` works as documented. `sort=path` or `-path`. Anything else is a 400.

import { bbError } from './render.js';

type Json = unknown;
interface Clause {
  path: string[];
  op: string;
  values: Json[];
}
const RANK: Record<string, number> = { none: 0, read: 1, write: 2, admin: 3, member: 1, collaborator: 2, 'create-project': 2, owner: 3 };

function pick(obj: Json, path: string[]): Json {
  let cur: Json = obj;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, Json>)[k];
  }
  return cur;
}

function literal(raw: string): Json {
  const t = raw.trim();
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(t);
  if (m !== null) return (m[1] ?? '').replace(/\\(.)/g, '$1');
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw new Error(`bad value ${t}`);
}

function parseClause(text: string): Clause {
  const inM = /^\s*([A-Za-z_][\w.]*)\s+IN\s*\((.*)\)\s*$/i.exec(text);
  if (inM !== null) {
    const items = (inM[2] ?? '').match(/"(?:[^"\\]|\\.)*"|[^,\s]+/g) ?? [];
    return { path: (inM[1] ?? '').split('.'), op: 'IN', values: items.map(literal) };
  }
  const m = /^\s*([A-Za-z_][\w.]*)\s*(!=|>=|<=|=|>|<|~)\s*(.+?)\s*$/.exec(text);
  if (m === null) throw new Error(`bad clause ${text}`);
  return { path: (m[1] ?? '').split('.'), op: m[2] ?? '=', values: [literal(m[3] ?? '')] };
}

function compare(path: string[], a: Json, b: Json): number {
  if (path[path.length - 1] === 'permission' && typeof a === 'string' && typeof b === 'string') return (RANK[a] ?? -1) - (RANK[b] ?? -1);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

function holds(c: Clause, obj: Json): boolean {
  const v = pick(obj, c.path);
  const want = c.values[0];
  switch (c.op) {
    case 'IN':
      return c.values.some((x) => x === v);
    case '=':
      return v === want || (v === undefined && want === null);
    case '!=':
      return v !== want;
    case '~':
      return typeof v === 'string' && typeof want === 'string' && v.toLowerCase().includes(want.toLowerCase());
    default: {
      if (v === undefined || v === null) return false;
      const d = compare(c.path, v, want);
      return c.op === '>' ? d > 0 : c.op === '>=' ? d >= 0 : c.op === '<' ? d < 0 : d <= 0;
    }
  }
}

/** Filters rows by `q`; throws Bitbucket's 400 when the query is outside the subset. */
export function applyQuery<T>(rows: T[], q: string | null): T[] {
  if (q === null || q.trim() === '') return rows;
  try {
    const ors = q.split(/\s+OR\s+/i).map((part) => part.split(/\s+AND\s+/i).map(parseClause));
    return rows.filter((row) => ors.some((ands) => ands.every((c) => holds(c, row))));
  } catch (e) {
    throw bbError(400, 'Invalid query', e instanceof Error ? e.message : String(e));
  }
}

export function applySort<T>(rows: T[], sort: string | null): T[] {
  if (sort === null || sort.trim() === '') return rows;
  const desc = sort.startsWith('-');
  const path = sort.replace(/^-/, '').split('.');
  return [...rows].sort((a, b) => (desc ? -1 : 1) * compare(path, pick(a, path) ?? '', pick(b, path) ?? ''));
}
