// Opens the one SQLite database (WAL, foreign keys, busy timeout) shared by the server and the
// CLI, and applies pending migrations under an exclusive lock so two processes never race.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export type Sqlite = Database.Database;
/** The database or a transaction: what repository functions take. */
export type Tx = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

/** The checkout or image root (the folder holding our package.json), found from this file. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'packyard') return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the packyard package root');
}

export function migrationsFolder(): string {
  return join(packageRoot(), 'src', 'db', 'migrations');
}

export function openSqlite(file: string): Sqlite {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Created private before SQLite opens it: its -wal and -shm files take the database's mode.
    closeSync(openSync(file, 'a', 0o600));
  }
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  return sqlite;
}

const MIGRATIONS_TABLE = '__drizzle_migrations';

/** Applies pending migrations in one IMMEDIATE transaction; returns how many ran. */
export function migrate(sqlite: Sqlite, folder = migrationsFolder()): number {
  const all = readMigrationFiles({ migrationsFolder: folder });
  sqlite.exec(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric)`,
  );
  const apply = sqlite.transaction(() => {
    const last = sqlite.prepare(`SELECT created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at DESC LIMIT 1`).get() as
      | { created_at: number }
      | undefined;
    let ran = 0;
    for (const m of all) {
      if (last && Number(last.created_at) >= m.folderMillis) continue;
      for (const stmt of m.sql) if (stmt.trim() !== '') sqlite.exec(stmt);
      sqlite.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (hash, created_at) VALUES (?, ?)`).run(m.hash, m.folderMillis);
      ran++;
    }
    return ran;
  });
  return apply.immediate();
}

/** Number of migrations shipped that the database has not applied (0 when ready). */
export function pendingMigrations(sqlite: Sqlite, folder = migrationsFolder()): number {
  const all = readMigrationFiles({ migrationsFolder: folder });
  const exists = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name=?`).get(MIGRATIONS_TABLE);
  if (!exists) return all.length;
  const last = sqlite.prepare(`SELECT created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at DESC LIMIT 1`).get() as
    | { created_at: number }
    | undefined;
  return all.filter((m) => !last || Number(last.created_at) < m.folderMillis).length;
}

export function openDb(file: string): Db {
  const sqlite = openSqlite(file);
  return immediateTransactions(drizzle(sqlite, { schema }) as Db);
}

/**
 * Makes every top-level drizzle transaction BEGIN IMMEDIATE. A deferred transaction that reads and
 * then writes fails at once with SQLITE_BUSY ("database is locked", the busy timeout does not
 * apply) when another process committed in between: the CLI and the server share this file, so
 * each transaction takes the write lock first and waits its turn instead. Nested transactions
 * are savepoints and are unaffected.
 */
export function immediateTransactions(db: Db): Db {
  const original = db.transaction.bind(db);
  (db as { transaction: Db['transaction'] }).transaction = ((fn, config) =>
    original(fn, { behavior: 'immediate', ...config })) as Db['transaction'];
  return db;
}
