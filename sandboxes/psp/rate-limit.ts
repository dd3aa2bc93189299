/**
 * A token bucket like the provider's rate limiter: `burst` requests at once, refilled at `rps` per second. Over the
 * limit the API answers 429 with `Retry-After` (whole seconds until a token is back), so a client that honours it
 * comes back when it will be let in, and one that retries at once only burns its attempts.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly rps: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /** Takes a token: undefined when let in, else the seconds to wait before asking again. */
  take(): number | undefined {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rps);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rps));
  }
}

/** An API path with its object IDs folded (`/v1/transfers/tr_1` → `/v1/transfers/:id`): one endpoint. */
export const endpointOf = (method: string, path: string) =>
  `${method} ${path.split('?')[0]?.replace(/\/[a-z]+_[A-Za-z0-9]+/g, '/:id')}`;

/**
 * The provider's limiter: one bucket for the whole account (`scope: 'account'`, the default) or one per endpoint
 * (`scope: 'endpoint'`: Stripe limits some endpoints, such as creating transfers, on their own).
 */
export class RateLimit {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly rps: number,
    readonly burst: number,
    readonly scope: 'account' | 'endpoint',
  ) {}

  /** Takes a token for a request: undefined when let in, else the seconds to wait before asking again. */
  take(method: string, path: string): number | undefined {
    const key = this.scope === 'endpoint' ? endpointOf(method, path) : 'account';
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.rps, this.burst)));
    return bucket.take();
  }
}

/** Admin body `{ rps, burst?, scope? }` → a limiter, or an error message. */
export function rateLimitFrom(b: Record<string, unknown>): RateLimit | string {
  const { rps, burst, scope = 'account' } = b;
  if (typeof rps !== 'number' || !(rps > 0)) return 'rps must be a positive number';
  const size = burst === undefined ? Math.max(1, Math.ceil(rps)) : burst;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) return 'burst must be a positive integer';
  if (scope !== 'account' && scope !== 'endpoint') return "scope must be 'account' or 'endpoint'";
  return new RateLimit(rps, size, scope);
}

/**
 * The admin routes of a provider's limits (both PSP sandboxes): the rate limiter and the idempotency keys' lifetime.
 */
export function limitsRoute(
  ctx: { rateLimit?: RateLimit | undefined; idemTtlMs: number },
  method: string,
  path: string,
  b: Record<string, unknown>,
): { status: number; body: unknown } | undefined {
  if (path === '/__admin/rate-limit' && method === 'DELETE') {
    ctx.rateLimit = undefined;
    return { status: 200, body: { rateLimit: null } };
  }
  if (path === '/__admin/rate-limit' && method === 'POST') {
    const limit = rateLimitFrom(b);
    if (typeof limit === 'string') return { status: 400, body: { error: limit } };
    ctx.rateLimit = limit;
    return { status: 200, body: { rateLimit: { rps: limit.rps, burst: limit.burst, scope: limit.scope } } };
  }
  if (path === '/__admin/idempotency' && method === 'POST') {
    if (typeof b.ttlMs !== 'number' || b.ttlMs < 0) return { status: 400, body: { error: 'ttlMs must be >= 0' } };
    ctx.idemTtlMs = b.ttlMs;
    return { status: 200, body: { ttlMs: ctx.idemTtlMs } };
  }
  return undefined;
}
