import { sleep } from './http';
import { num } from './faults';

/** One outgoing notification; `headers()` is called per attempt so signatures carry a fresh timestamp. */
export interface OutgoingWebhook {
  id: string;
  type: string;
  body: string;
  contentType: string;
  headers: () => Record<string, string>;
}

export interface DeliveryRecord {
  id: string;
  type: string;
  attempt: number;
  status: number | 'error';
}

/**
 * Delivers sandbox webhooks the way providers do: at least once, retried with backoff on failure, optionally held
 * and flushed later (in order or reversed) to exercise out-of-order handling, and replayable to create duplicates.
 * A delivery failure never throws into the server.
 */
export class WebhookDispatcher {
  hold = false;
  private readonly sent = new Map<string, OutgoingWebhook>();
  private held: OutgoingWebhook[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  readonly deliveries: DeliveryRecord[] = [];

  constructor(
    private readonly url: string | undefined,
    private readonly retryDelaysMs: number[] = [100, 400, 1600],
    private readonly attemptTimeoutMs = 2_000,
  ) {}

  emit(hook: OutgoingWebhook): void {
    this.sent.set(hook.id, hook);
    if (this.hold) this.held.push(hook);
    else this.track(this.deliver(hook));
  }

  /** Sends every held notification, one after another, in the chosen order. */
  async flush(order: 'in-order' | 'reverse' = 'in-order'): Promise<number> {
    const batch = order === 'reverse' ? [...this.held].reverse() : [...this.held];
    this.held = [];
    for (const hook of batch) await this.deliver(hook);
    return batch.length;
  }

  async replay(id: string, times = 1): Promise<boolean> {
    const hook = this.sent.get(id);
    if (!hook) return false;
    for (let i = 0; i < times; i++) await this.deliver(hook);
    return true;
  }

  get heldCount(): number {
    return this.held.length;
  }

  list(): { id: string; type: string }[] {
    return [...this.sent.values()].map(({ id, type }) => ({ id, type }));
  }

  /**
   * The admin routes every webhook-sending sandbox shares: `GET /__admin/events`, `POST /__admin/webhooks/flush
   * { order }`, `POST /__admin/webhooks/replay { eventId, times }`. Undefined for any other route.
   */
  async admin(
    method: string,
    path: string,
    b: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown } | undefined> {
    if (method === 'GET' && path === '/__admin/events')
      return { status: 200, body: { events: this.list(), held: this.heldCount, deliveries: this.deliveries } };
    if (method === 'POST' && path === '/__admin/webhooks/flush')
      return { status: 200, body: { delivered: await this.flush(b.order === 'reverse' ? 'reverse' : 'in-order') } };
    if (method === 'POST' && path === '/__admin/webhooks/replay') {
      const times = Math.max(1, Math.floor(num(b.times, 1)));
      return (await this.replay(String(b.eventId), times))
        ? { status: 200, body: { delivered: times } }
        : { status: 404, body: { error: `no such event ${String(b.eventId)}` } };
    }
    return undefined;
  }

  reset(): void {
    this.sent.clear();
    this.held = [];
    this.hold = false;
    this.deliveries.length = 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deliver(hook: OutgoingWebhook): Promise<void> {
    if (!this.url) return;
    for (let attempt = 0; attempt <= this.retryDelaysMs.length && !this.stopped; attempt++) {
      if (attempt > 0) await sleep(this.retryDelaysMs[attempt - 1] ?? 0);
      if (this.stopped) return;
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'Content-Type': hook.contentType, ...hook.headers() },
          body: hook.body,
          signal: AbortSignal.timeout(this.attemptTimeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        this.deliveries.push({ id: hook.id, type: hook.type, attempt: attempt + 1, status: res.status });
        if (res.ok) return;
      } catch {
        this.deliveries.push({ id: hook.id, type: hook.type, attempt: attempt + 1, status: 'error' });
      }
    }
  }
}
