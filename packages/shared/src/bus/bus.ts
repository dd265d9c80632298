/**
 * Publish/subscribe between services. NATS in production, in-process for the embedded default;
 * bus.contract.ts runs against both. Payloads are JSON objects. Delivery is at-most-once:
 * subscribers that must not miss state resync from the store in `onReconnect`.
 */
export type EventHandler = (payload: Record<string, unknown>, subject: string) => void | Promise<void>;

export interface Subscription {
  unsubscribe(): void;
}

export interface EventBus {
  readonly kind: 'memory' | 'nats';
  publish(subject: string, payload: Record<string, unknown>): Promise<void>;
  /** `subject` may use NATS wildcards: `*` (one token) and `>` (the rest). */
  subscribe(subject: string, handler: EventHandler): Subscription;
  /** Called after the connection came back (a gap in delivery may have happened). */
  onReconnect(handler: () => void): () => void;
  /** Called when the connection is lost. */
  onDisconnect(handler: () => void): () => void;
  /** Epoch ms since when the bus has been disconnected, or null while connected. */
  disconnectedSince(): number | null;
  /** Resolves once everything published so far has reached the server. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** NATS subject matching: `*` matches one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
