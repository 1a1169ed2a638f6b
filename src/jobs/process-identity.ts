// Is the process that wrote a lease or a temp directory still running? A pid alone is not
// enough (pids are reused; a container's server is pid 1 after every restart), so names record
// the process's start time as well (Linux: /proc/PID/stat; elsewhere the pid alone decides).
import { readFileSync } from 'node:fs';

/** The start time of process `pid` in clock ticks since boot, or null where it cannot be read. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count fields from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start !== undefined && /^\d+$/.test(start) ? start : null;
  } catch {
    return null;
  }
}

/** Whether `pid` runs and, when `start` is given and can be checked, started at `start`. */
export function processAlive(pid: number, start: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === null || start === '') return true;
  const now = processStart(pid);
  return now === null || now === start;
}
