import { buildConnector } from 'undici';

/**
 * A socket connector for one upstream served by several interchangeable instances (a comma list
 * in an `*_HTTP_ENDPOINT`). Each new connection starts at the next instance (connections spread
 * over them) and moves on to the following one when connecting fails. A failed connect means no
 * byte of any request was sent, so failing over is safe for every method and body; requests on a
 * connection that breaks later are not replayed (the instance may have acted on them).
 */
export function failoverConnector(targets: readonly URL[], connect = buildConnector({})): buildConnector.connector {
  let next = 0;
  return (opts, callback) => {
    const first = next++ % targets.length;
    const attempt = (i: number, lastError: Error | null) => {
      if (i === targets.length) return callback(lastError ?? new Error('no upstream instance'), null);
      const t = targets[(first + i) % targets.length]!;
      const port = t.port || (t.protocol === 'https:' ? '443' : '80');
      connect({ ...opts, protocol: t.protocol, hostname: t.hostname, host: t.host, port, servername: t.hostname }, (...args) => {
        if (args[0]) attempt(i + 1, args[0]);
        else callback(...args);
      });
    };
    attempt(0, null);
  };
}
