/**
 * Per-key request rate limits: a token bucket per key, holding `burstSeconds` worth of requests and
 * refilled continuously, so a client may burst briefly but not exceed its rate for long.
 */

interface Bucket {
  tokens: number;
  updated: number;
  perSecond: number;
  capacity: number;
}

/** Buckets kept before idle ones are swept; a full bucket is the same as no bucket, so dropping it loses nothing. */
const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private sweepAt = MAX_BUCKETS;

  constructor(
    readonly defaultPerSecond: number,
    readonly burstSeconds = 2,
  ) {}

  /**
   * Takes one request from the key's bucket. `perSecond` <= 0 means unlimited. A refusal says how
   * long until a request would pass (fractional seconds: round up for a Retry-After header).
   */
  take(keyId: string, perSecond = this.defaultPerSecond, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (!(perSecond > 0) || perSecond === Infinity) return { ok: true };
    // At least one request must fit, or a slow rate (0.2/s) would refuse everything.
    const capacity = Math.max(1, perSecond * this.burstSeconds);
    let bucket = this.buckets.get(keyId);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      bucket = { tokens: capacity, updated: now, perSecond, capacity };
      this.buckets.set(keyId, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.updated) / 1000) * perSecond);
      bucket.updated = now;
      bucket.perSecond = perSecond;
      bucket.capacity = capacity;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.ceil(((1 - bucket.tokens) / perSecond) * 1000) / 1000 };
  }

  /** How many buckets are kept (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops the buckets that have refilled; sweeps again only once the map has doubled, so the cost stays amortised. */
  private sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (Math.max(0, now - b.updated) / 1000) * b.perSecond >= b.capacity) this.buckets.delete(key);
    }
    this.sweepAt = Math.max(MAX_BUCKETS, this.buckets.size * 2);
  }
}
