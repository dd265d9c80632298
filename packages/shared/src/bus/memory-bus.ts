import { subjectMatches, type EventBus, type EventHandler, type Subscription } from './bus.js';

/** In-process bus for the all-in-one runtime. Delivery is asynchronous, as with NATS. */
export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly subs = new Set<{ pattern: string; handler: EventHandler }>();
  private pending = Promise.resolve();

  async publish(subject: string, payload: Record<string, unknown>): Promise<void> {
    // Copy through JSON so subscribers can never share (or mutate) the publisher's object.
    const data = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
    const targets = [...this.subs].filter((s) => subjectMatches(s.pattern, subject));
    this.pending = this.pending.then(async () => {
      await Promise.all(
        targets.map(async (t) => {
          try {
            await t.handler(structuredClone(data), subject);
          } catch {
            // A failing subscriber must not break the publisher or other subscribers.
          }
        }),
      );
    });
  }

  subscribe(pattern: string, handler: EventHandler): Subscription {
    const sub = { pattern, handler };
    this.subs.add(sub);
    return { unsubscribe: () => this.subs.delete(sub) };
  }

  onReconnect(_handler: () => void): () => void {
    return () => undefined;
  }

  onDisconnect(_handler: () => void): () => void {
    return () => undefined;
  }

  disconnectedSince(): number | null {
    return null;
  }

  async flush(): Promise<void> {
    await this.pending;
  }

  async close(): Promise<void> {
    await this.pending;
    this.subs.clear();
  }
}
