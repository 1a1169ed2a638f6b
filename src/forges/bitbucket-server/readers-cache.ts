// The project readers (PROJECT_READ or more) the last snapshot of one forge instance listed, by
// project key, kept for a few minutes so directReaders need not list them again for every package
// repository of the same reconcile (reconcile.ts asks for direct readers right after the
// snapshot). Using the snapshot's set is also the consistent answer: direct readers are the
// repository's readers minus those the project team of that snapshot already carries. An entry
// older than `maxAgeMs` is dropped and the readers are listed again; the map holds one entry per
// project key the instance has synced.

/** How long a snapshot's project readers are reused by directReaders (5 minutes). */
export const PROJECT_READERS_MAX_AGE_MS = 5 * 60_000;

export class ProjectReadersCache {
  private readonly byKey = new Map<string, { at: number; ids: ReadonlySet<string> }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs: number = PROJECT_READERS_MAX_AGE_MS,
  ) {}

  /** Records the readers of `key` as listed now (user ids). */
  remember(key: string, ids: Iterable<string>): void {
    const at = this.now();
    for (const [k, v] of this.byKey) if (!(at - v.at < this.maxAgeMs)) this.byKey.delete(k);
    this.byKey.set(key.toUpperCase(), { at, ids: new Set(ids) });
  }

  /** The readers of `key` when listed less than maxAgeMs ago, else null (and the entry is dropped). */
  fresh(key: string): ReadonlySet<string> | null {
    const k = key.toUpperCase();
    const hit = this.byKey.get(k);
    if (hit === undefined) return null;
    const age = this.now() - hit.at;
    // A clock that went backwards counts as stale too.
    if (age >= 0 && age < this.maxAgeMs) return hit.ids;
    this.byKey.delete(k);
    return null;
  }
}
