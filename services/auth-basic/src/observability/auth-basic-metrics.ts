import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '@gatehouse/shared';
import type { HashPool } from '../passwords/hash-pool.js';

/**
 * auth-basic's own series: password logins (the built-in IdP's form included) by outcome (`success` or the error code, e.g.
 * INVALID_CREDENTIALS, INVALID_OTP, REQUESTS_EXCEEDED) and the bcrypt pool's load (jobs waiting
 * for a thread, threads busy, threads), read at scrape time.
 */
export function authBasicMetrics(metrics: Metrics, pool: HashPool): { login(outcome: string): void } {
  const registers = [metrics.registry];
  const logins = new Counter({
    name: 'gatehouse_logins_total',
    help: "Password logins (REST, GraphQL, LoginService, the built-in IdP's sign-in form) by outcome: success or the error code",
    labelNames: ['outcome'],
    registers,
  });
  new Gauge({
    name: 'gatehouse_password_hash_queue_depth',
    help: 'bcrypt jobs waiting for a worker thread (AUTH_BASIC_HASH_QUEUE_MAX refuses beyond it)',
    registers,
    collect() {
      this.set(pool.queued);
    },
  });
  new Gauge({
    name: 'gatehouse_password_hash_workers_busy',
    help: 'bcrypt worker threads running a job',
    registers,
    collect() {
      this.set(pool.busy);
    },
  });
  new Gauge({
    name: 'gatehouse_password_hash_workers',
    help: 'bcrypt worker threads (AUTH_BASIC_HASH_WORKERS)',
    registers,
    collect() {
      this.set(pool.size);
    },
  });
  return { login: (outcome) => logins.inc({ outcome }) };
}
