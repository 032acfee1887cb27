import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../src/access/rate-limit.js';

/** How many requests pass in a row at one instant. */
function burst(limiter: RateLimiter, key: string, now: number, perSecond?: number): number {
  let n = 0;
  while (limiter.take(key, perSecond, now).ok) if (++n > 10_000) break;
  return n;
}

describe('RateLimiter', () => {
  it('allows a burst of perSecond × burstSeconds, then refuses with a retry delay', () => {
    const limiter = new RateLimiter(5);
    assert.equal(burst(limiter, 'K', 0), 10);
    assert.deepEqual(limiter.take('K', undefined, 0), { ok: false, retryAfterSeconds: 0.2 });
    assert.equal(burst(new RateLimiter(5, 4), 'K', 0), 20);
  });

  it('refills continuously over time, up to the capacity', () => {
    const limiter = new RateLimiter(5);
    burst(limiter, 'K', 0);
    assert.deepEqual(limiter.take('K', undefined, 100), { ok: false, retryAfterSeconds: 0.1 });
    assert.deepEqual(limiter.take('K', undefined, 200), { ok: true });
    assert.equal(limiter.take('K', undefined, 200).ok, false);
    assert.equal(burst(limiter, 'K', 1200), 5);
    assert.equal(burst(limiter, 'K', 60_000), 10);
  });

  it('keeps keys apart, each with its own rate', () => {
    const limiter = new RateLimiter(1);
    assert.equal(burst(limiter, 'A', 0), 2);
    assert.equal(burst(limiter, 'B', 0), 2);
    assert.equal(burst(limiter, 'C', 0, 50), 100);
    assert.equal(limiter.take('A', undefined, 0).ok, false);
  });

  it('lets at least one request through at a rate below 1 / burstSeconds', () => {
    const limiter = new RateLimiter(0.1);
    assert.equal(burst(limiter, 'K', 0), 1);
    assert.deepEqual(limiter.take('K', undefined, 0), { ok: false, retryAfterSeconds: 10 });
    assert.equal(limiter.take('K', undefined, 10_000).ok, true);
  });

  it('does not limit a rate of 0 or less', () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) assert.equal(limiter.take('K', undefined, 0).ok, true);
    for (let i = 0; i < 1000; i++) assert.equal(new RateLimiter(5).take('K', -1, 0).ok, true);
    assert.equal(limiter.size, 0);
  });

  it('drops idle, refilled buckets once there are many, but keeps the busy ones', () => {
    const limiter = new RateLimiter(1);
    for (let i = 0; i < 9_999; i++) limiter.take(`idle${i}`, undefined, 0);
    burst(limiter, 'busy', 5000);
    assert.equal(limiter.size, 10_000);
    limiter.take('new', undefined, 5000);
    assert.equal(limiter.size, 2, 'the idle buckets had refilled by then');
    assert.equal(limiter.take('busy', undefined, 5000).ok, false);
  });
});
