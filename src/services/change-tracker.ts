// Tells in-memory caches when the database changed: SQLite's data_version moves when another
// connection (the CLI) commits, total_changes() when this one writes. Caches built on it never
// serve data older than the last commit, whoever made it.
import type { Sqlite } from '../db/client.js';

export class ChangeTracker {
  private generation = 0;
  private last = '';
  private readonly dataVersion;
  private readonly totalChanges;

  constructor(sqlite: Sqlite) {
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
    this.totalChanges = sqlite.prepare('SELECT total_changes()').pluck();
  }

  /** The current generation: a number that changes whenever the database has changed. */
  current(): number {
    const stamp = `${this.dataVersion.get() as number}:${this.totalChanges.get() as number}`;
    if (stamp !== this.last) {
      this.last = stamp;
      this.generation++;
    }
    return this.generation;
  }
}

/** A map that empties itself when the tracker's generation moves; bounded in size. */
export class GenerationCache<K, V> {
  private readonly map = new Map<K, V>();
  private generation = -1;

  constructor(private readonly max = 10_000) {}

  get(generation: number, key: K, load: () => V): V {
    if (generation !== this.generation) {
      this.map.clear();
      this.generation = generation;
    }
    if (this.map.has(key)) return this.map.get(key) as V;
    const value = load();
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
    return value;
  }
}
