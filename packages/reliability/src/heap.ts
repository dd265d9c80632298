import WebSocket from 'ws';
import { getStatus } from './process-stack.js';

/**
 * The V8 heap in use right after a full garbage collection, read through the inspector of a
 * process started with `--inspect=127.0.0.1:<port>` (HeapProfiler.collectGarbage, then
 * Runtime.getHeapUsage). No debug endpoint in the service itself: the measure is the test's.
 */
export async function heapAfterGc(inspectPort: number): Promise<number> {
  const list = await getStatus(`http://127.0.0.1:${inspectPort}/json/list`, 5000);
  if (list?.status !== 200) throw new Error(`inspector on ${inspectPort} answered ${list?.status}`);
  const url = (JSON.parse(list.body) as Array<{ webSocketDebuggerUrl: string }>)[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error('no inspector target');
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const send = (method: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const msg = JSON.parse((Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString('utf8')) as {
          id?: number;
          result?: Record<string, unknown>;
          error?: unknown;
        };
        if (msg.id !== mine) return;
        ws.off('message', onMessage);
        if (msg.error) reject(new Error(JSON.stringify(msg.error)));
        else resolve(msg.result ?? {});
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: mine, method }));
    });
  try {
    await send('HeapProfiler.enable');
    // Twice: the first pass may only free what finalizers release for the second.
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    return (await send('Runtime.getHeapUsage')).usedSize as number;
  } finally {
    ws.close();
  }
}
