// Runs bcrypt off the main thread: bcryptjs is pure JS and blocks its event loop for the whole hash.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

export type HashJob = { id: number; op: 'hash'; input: string; cost: number } | { id: number; op: 'compare'; input: string; hash: string };
export type HashResult = { id: number; ok: true; value: string | boolean } | { id: number; ok: false; error: string };

parentPort?.on('message', (job: HashJob) => {
  try {
    const value = job.op === 'hash' ? bcrypt.hashSync(job.input, bcrypt.genSaltSync(job.cost)) : bcrypt.compareSync(job.input, job.hash);
    parentPort!.postMessage({ id: job.id, ok: true, value } satisfies HashResult);
  } catch (err) {
    parentPort!.postMessage({ id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies HashResult);
  }
});
