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

/** Admin body `{ rps, burst }` → a bucket, or an error message. */
export function bucketFrom(b: Record<string, unknown>): TokenBucket | string {
  const { rps, burst } = b;
  if (typeof rps !== 'number' || !(rps > 0)) return 'rps must be a positive number';
  const size = burst === undefined ? Math.max(1, Math.ceil(rps)) : burst;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) return 'burst must be a positive integer';
  return new TokenBucket(rps, size);
}
