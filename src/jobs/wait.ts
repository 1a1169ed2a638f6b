// Lets a one-shot command run its own job in-process, or wait while another process (the
// server) holds the package's lease, with a bounded deadline.
import { setTimeout as delay } from 'node:timers/promises';
import type { JobQueue, JobRow } from './queue.js';
import type { JobRunner } from './runner.js';

export async function runOrWait(queue: JobQueue, runner: JobRunner, jobId: number, timeoutMs: number): Promise<JobRow> {
  const deadline = Date.now() + timeoutMs;
  let ranHere = false;
  for (;;) {
    const job = queue.get(jobId);
    if (!job) throw new Error(`job ${jobId} disappeared`);
    if (job.status === 'done' || job.status === 'failed') return job;
    // A failure that was queued for a retry is reported now; the server retries it later.
    if (ranHere && job.status === 'queued') return job;
    // A job held by a process that died goes back to the queue (then this loop claims it).
    if (job.status === 'running') queue.recoverExpired();
    if (job.status === 'queued' && job.runAfter <= Date.now()) {
      const claimed = queue.claim(jobId);
      if (claimed) {
        await runner.execute(claimed);
        ranHere = true;
        continue;
      }
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish within ${Math.round(timeoutMs / 1000)} s (status ${job.status})`);
    await delay(100);
  }
}
