// A bounded poll for tests: asks `check` every few milliseconds until it returns something other
// than null, or fails with what it was waiting for once `ms` have passed. Never a fixed sleep.
export async function waitFor<T>(what: string, check: () => Promise<T | null> | T | null, ms = 60_000, everyMs = 10): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
