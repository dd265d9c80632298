import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, DebugEvents, Events, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { GatehouseError } from '../errors.js';
import type { EventBus, EventHandler, Subscription } from './bus.js';

export interface NatsBusOptions {
  /** nats://user:pass@host:port (comma-separated for a cluster). */
  url: string;
  /** Path to a .creds file (JWT + nkey), as issued by an operator. */
  credsFile?: string;
  name?: string;
  logger?: Logger;
  connectTimeoutMs?: number;
}

export class NatsBus implements EventBus {
  readonly kind = 'nats' as const;
  private readonly reconnectHandlers = new Set<() => void>();
  private readonly disconnectHandlers = new Set<() => void>();
  private downSince: number | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly logger?: Logger,
  ) {
    void this.watchStatus();
  }

  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    try {
      const url = new URL(opts.url.split(',')[0]!.trim());
      const servers = opts.url.split(',').map((u) => {
        const x = new URL(u.trim());
        return `${x.hostname}:${x.port || '4222'}`;
      });
      const nc = await connect({
        servers,
        name: opts.name ?? 'gatehouse',
        ...(url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {}),
        ...(opts.credsFile ? { authenticator: credsAuthenticator(readFileSync(opts.credsFile)) } : {}),
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 2000,
        maxPingOut: 2,
        timeout: opts.connectTimeoutMs ?? 3000,
      });
      return new NatsBus(nc, opts.logger);
    } catch (err) {
      throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: `nats connect: ${(err as Error).message}`, cause: err });
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === Events.Disconnect || s.type === DebugEvents.StaleConnection) {
        if (this.downSince === null) {
          this.downSince = Date.now();
          this.logger?.warn({ event: s.type }, 'nats disconnected');
          for (const h of this.disconnectHandlers) h();
        }
      } else if (s.type === Events.Reconnect) {
        this.downSince = null;
        this.logger?.info('nats reconnected');
        for (const h of this.reconnectHandlers) h();
      }
    }
  }

  async publish(subject: string, payload: Record<string, unknown>): Promise<void> {
    try {
      this.nc.publish(subject, Buffer.from(JSON.stringify(payload)));
    } catch (err) {
      throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: `nats publish: ${(err as Error).message}`, retryAfter: 1, cause: err });
    }
  }

  subscribe(subject: string, handler: EventHandler): Subscription {
    const sub = this.nc.subscribe(subject);
    void (async () => {
      for await (const msg of sub) {
        try {
          const data = JSON.parse(Buffer.from(msg.data).toString('utf8')) as Record<string, unknown>;
          await handler(data, msg.subject);
        } catch (err) {
          this.logger?.error({ err, subject: msg.subject }, 'event handler failed');
        }
      }
    })();
    return { unsubscribe: () => sub.unsubscribe() };
  }

  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  onDisconnect(handler: () => void): () => void {
    this.disconnectHandlers.add(handler);
    return () => this.disconnectHandlers.delete(handler);
  }

  disconnectedSince(): number | null {
    return this.downSince;
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
