import { getStatus } from './process-stack.js';

/** One sample of a Prometheus text exposition (first series of that name, labels ignored). */
export function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Resident set size and V8 heap in use of a service, from its /metrics (prom-client's process metrics). */
export async function processMemory(debugUrl: string): Promise<{ rss: number; heapUsed: number }> {
  const res = await getStatus(`${debugUrl}/metrics`, 5000);
  if (res?.status !== 200) throw new Error(`${debugUrl}/metrics answered ${res?.status}`);
  const rss = metricValue(res.body, 'process_resident_memory_bytes');
  const heapUsed = metricValue(res.body, 'nodejs_heap_size_used_bytes');
  if (rss === undefined || heapUsed === undefined) throw new Error('process metrics missing');
  return { rss, heapUsed };
}
