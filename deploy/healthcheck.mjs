// The image's HEALTHCHECK: GET /healthz on the debug port of the service this container runs.
// One image runs any service (`gatehouse <service> server`, or `gatehouse server` for all of them),
// so the service is read from the command line of PID 1 and its debug address from the same
// variable the service reads (default port otherwise). Exit 0 healthy, 1 not (Docker's contract).
import { readFileSync } from 'node:fs';
import { get } from 'node:http';

const DEBUG = {
  proxy: ['PROXY_DEBUG_ADDR', '127.0.0.1:9205'],
  'auth-bearer': ['AUTH_BEARER_DEBUG_ADDR', '127.0.0.1:9215'],
  'auth-basic': ['AUTH_BASIC_DEBUG_ADDR', '127.0.0.1:9225'],
  'auth-app': ['AUTH_APP_DEBUG_ADDR', '127.0.0.1:9235'],
};

function service() {
  if (process.env.GATEHOUSE_HEALTHCHECK_SERVICE) return process.env.GATEHOUSE_HEALTHCHECK_SERVICE;
  try {
    const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    const i = argv.lastIndexOf('server');
    // `gatehouse server` (all-in-one) is healthy when its proxy is.
    return i > 0 && argv[i - 1] in DEBUG ? argv[i - 1] : 'proxy';
  } catch {
    return 'proxy';
  }
}

const [variable, fallback] = DEBUG[service()] ?? DEBUG.proxy;
const addr = process.env[variable] || fallback;
const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
let host = addr.slice(0, addr.lastIndexOf(':')).replace(/^\[|\]$/g, '');
if (host === '' || host === '0.0.0.0' || host === '::') host = '127.0.0.1';

const req = get({ host, port, path: '/healthz', timeout: 2000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
