// Injected faults for the forge fakes: a status (and body/headers) for requests matching a path,
// optionally a method and a page, a given number of times. Checked before routing, as a failing
// server or proxy in front of the forge would answer.

export interface Fault {
  method?: string;
  path: RegExp;
  page?: number;
  status: number;
  /** How many matching requests fail (default 1; Infinity for all). */
  times?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class Faults {
  private readonly list: Array<Fault & { left: number }> = [];

  add(f: Fault): void {
    this.list.push({ ...f, left: f.times ?? 1 });
  }

  clear(): void {
    this.list.length = 0;
  }

  /** The first live fault for this request (and uses one of its times), or null. */
  take(method: string, pathname: string, page: number): Fault | null {
    for (const f of this.list) {
      if (f.left <= 0) continue;
      if (f.method !== undefined && f.method.toUpperCase() !== method) continue;
      if (!f.path.test(pathname)) continue;
      if (f.page !== undefined && f.page !== page) continue;
      f.left--;
      return f;
    }
    return null;
  }
}
