// Raw bcryptjs compares per second at a cost, on `workers` threads (the login storm's reference):
// `node refs/bcrypt-rate.js '{"workers":2,"cost":11,"duration":5}'` prints one JSON line.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bcrypt = createRequire(join(root, 'services/auth-basic/package.json'))('bcryptjs');

if (isMainThread) {
  const o = JSON.parse(process.argv[2]);
  const hash = bcrypt.hashSync('benchmark admin password 1', o.cost);
  const end = Date.now() + o.duration * 1000;
  const counts = await Promise.all(
    Array.from(
      { length: o.workers },
      () =>
        new Promise((res, rej) => {
          const w = new Worker(fileURLToPath(import.meta.url), { workerData: { hash, end } });
          w.once('message', res);
          w.once('error', rej);
        }),
    ),
  );
  process.stdout.write(`${JSON.stringify({ rps: counts.reduce((a, b) => a + b, 0) / o.duration, errors: 0, non2xx: 0 })}\n`);
} else {
  let n = 0;
  while (Date.now() < workerData.end) {
    if (!bcrypt.compareSync('benchmark admin password 1', workerData.hash)) throw new Error('compare failed');
    n++;
  }
  parentPort.postMessage(n);
}
