import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { GatehouseError } from '@gatehouse/shared';
import type { HashJob, HashResult } from './hash-worker.js';

type JobInput = { op: 'hash'; input: string; cost: number } | { op: 'compare'; input: string; hash: string };
interface Pending {
  job: HashJob;
  resolve: (v: string | boolean) => void;
  reject: (e: unknown) => void;
}

export interface HashPoolOptions {
  /** Threads; 0 or undefined = one per core. */
  size?: number;
  /** Jobs allowed to wait for a thread; beyond it, REQUESTS_EXCEEDED. */
  queueMax: number;
}

/**
 * A fixed pool of worker threads running bcrypt, with a bounded FIFO queue. A saturated pool
 * answers REQUESTS_EXCEEDED at once (with a Retry-After) instead of letting latency grow without bound.
 */
export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  readonly size: number;

  constructor(private readonly opts: HashPoolOptions) {
    this.size = opts.size && opts.size > 0 ? opts.size : availableParallelism();
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./hash-worker.js', import.meta.url));
    w.on('message', (r: HashResult) => this.settle(w, r));
    w.on('error', (err) => this.crash(w, err));
    w.on('exit', () => this.crash(w, new Error('hash worker exited')));
    this.workers.push(w);
    return w;
  }

  /** Jobs waiting for a thread (not counting the running ones). */
  get queued(): number {
    return this.queue.length;
  }

  /** Threads running a job. */
  get busy(): number {
    return this.running.size;
  }

  run(input: JobInput): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'hash pool closed', retryAfter: 1 }));
    const free = this.idle.pop() ?? (this.workers.length < this.size ? this.spawn() : undefined);
    if (!free && this.queue.length >= this.opts.queueMax) {
      return Promise.reject(
        new GatehouseError('REQUESTS_EXCEEDED', { detail: `password hashing queue full (${this.opts.queueMax})`, retryAfter: 1 }),
      );
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { job: { ...input, id: this.nextId++ }, resolve, reject };
      if (free) this.dispatch(free, p);
      else this.queue.push(p);
    });
  }

  private dispatch(w: Worker, p: Pending): void {
    this.running.set(w, p);
    w.postMessage(p.job);
  }

  private release(w: Worker): void {
    this.running.delete(w);
    const next = this.queue.shift();
    if (next) this.dispatch(w, next);
    else this.idle.push(w);
  }

  private settle(w: Worker, r: HashResult): void {
    const p = this.running.get(w);
    this.release(w);
    if (!p || p.job.id !== r.id) return;
    if (r.ok) p.resolve(r.value);
    else p.reject(new GatehouseError('INTERNAL', { detail: `bcrypt: ${r.error}` }));
  }

  private crash(w: Worker, err: unknown): void {
    const i = this.workers.indexOf(w);
    if (i < 0) return; // 'error' and 'exit' both fire for one crash
    this.workers.splice(i, 1);
    const p = this.running.get(w);
    this.running.delete(w);
    const j = this.idle.indexOf(w);
    if (j >= 0) this.idle.splice(j, 1);
    p?.reject(new GatehouseError('INTERNAL', { detail: `hash worker failed: ${String(err)}` }));
    // A replacement takes the next queued job, so a crash never strands the queue.
    if (!this.closed && this.queue.length > 0) this.dispatch(this.spawn(), this.queue.shift()!);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0))
      p.reject(new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'hash pool closed', retryAfter: 1 }));
    const all = [...this.workers];
    await Promise.all(all.map((w) => w.terminate()));
  }
}
