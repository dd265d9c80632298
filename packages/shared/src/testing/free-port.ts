import { createServer } from 'node:net';

// Ports handed out are drawn below the kernel's ephemeral range (Linux 32768–60999, macOS
// 49152–65535), where every outgoing connection takes its local port: a port found free there can
// be taken by a client socket before the test's server binds it (EADDRINUSE under load). Redis
// Cluster's bus port (port + 10000) stays below 40000 too.
const LOW = 20_000;
const HIGH = 30_000;
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A currently free TCP port on 127.0.0.1, never one this process handed out before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return anyPort();
}
