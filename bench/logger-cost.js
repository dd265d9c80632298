// One access-log line through the shared logger, in µs, against bare pino with the same options
// and no scrubbing (the floor). Output is discarded (a destination whose write does nothing), so
// the figure is the logger's own cost. `node bench/logger-cost.js` prints JSON; run.js calls it.
import { pino } from 'pino';
import { createLogger } from '../packages/shared/dist/index.js';

const sink = { write() {} };
const record = () => ({
  method: 'GET',
  path: '/bench/protected',
  route: 'bench-protected',
  status: 200,
  auth_method: 'bearer',
  ms: 0.4,
  ip: '127.0.0.1',
});

function perLine(log, n) {
  for (let i = 0; i < 20_000; i++) log.info(record(), 'request'); // warm-up
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) log.info(record(), 'request');
  return Number(process.hrtime.bigint() - t) / 1e3 / n;
}

export function loggerCost(n = 100_000) {
  const shared = createLogger({ service: 'bench', level: 'info', destination: sink });
  const bare = pino({ level: 'info', base: { service: 'bench' }, timestamp: pino.stdTimeFunctions.isoTime }, sink);
  // Interleaved, best of three each: the box is shared.
  const a = [];
  const b = [];
  for (let i = 0; i < 3; i++) {
    a.push(perLine(shared, n));
    b.push(perLine(bare, n));
  }
  return { sharedUs: Math.min(...a), barePinoUs: Math.min(...b) };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(loggerCost()));
