/**
 * Delivers completion events from the durable outbox (the deliveries table, written in the same
 * transaction that ends a job): HTTP POSTs signed with HMAC-SHA256, or XADD to a Redis stream,
 * retried with exponential backoff, every attempt logged.
 */
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { VdnaError } from '../errors.js';
import { checkUrl, post, type UrlPolicy } from '../net/safe-http.js';
import { eventXml, jobEvent } from './events.js';
import type { Delivery, JobStore } from '../jobs/job-store.js';
import type { CallbackTarget } from '../jobs/types.js';

export interface CallbackConfig {
  /** Key of the X-Vdna-Signature HMAC. */
  secret: string;
  /** Attempts in all, then the delivery is marked Failed. */
  maxAttempts: number;
  /** First retry delay; it doubles on every retry (capped at 10 minutes). */
  backoffMs: number;
  timeoutMs: number;
  urlPolicy: UrlPolicy;
  /** redis://host:port for Redis stream callbacks. */
  redisUrl?: string;
  /** The result URL of a job, as the event names it. */
  resultUrl: (jobId: string) => string;
}

/** The signature header value: t=<unix ms>,sha256=<hex HMAC of "<t>.<body>">. */
export function sign(secret: string, body: string, time = Date.now()): string {
  const mac = createHmac('sha256', secret).update(`${time}.${body}`).digest('hex');
  return `t=${time},sha256=${mac}`;
}

/** Checks a callback target when a job or queue names it. */
export function checkCallback(cfg: Pick<CallbackConfig, 'urlPolicy' | 'redisUrl'>, target: CallbackTarget): void {
  if (target.Type === 'HTTP') checkUrl(target.Url, cfg.urlPolicy);
  else if (!cfg.redisUrl) throw new VdnaError('INVALID_ARGUMENT', 'Redis callbacks need a broker: start the server with --redis redis://HOST:PORT');
}

const MAX_BACKOFF_MS = 600_000;

export class CallbackDispatcher {
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  private redis?: Redis;
  /** Deliveries in flight, awaited by stop(). */
  private pass?: Promise<void>;

  constructor(
    private readonly jobs: JobStore,
    private readonly cfg: CallbackConfig,
    private readonly onAttempt: (target: CallbackTarget['Type'], ok: boolean) => void = () => undefined,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Looks at the outbox now (after a job ends) rather than at the next timer. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) return;
    clearTimeout(this.timer);
    this.running = true;
    this.pass = this.deliverDue().finally(() => {
      this.running = false;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    const wait = this.jobs.nextDeliveryIn(Date.now());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.min(wait ?? 5000, 5000));
    this.timer.unref();
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const due = this.jobs.dueDeliveries(Date.now(), 8);
      if (due.length === 0 || this.stopped) return;
      await Promise.all(due.map((d) => this.attempt(d)));
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const job = this.jobs.get(delivery.JobId);
    if (!job) return;
    const event = jobEvent(job, this.jobs.result(job.JobId), this.cfg.resultUrl(job.JobId));
    const started = Date.now();
    const attempt = delivery.Attempts + 1;
    let status: number | undefined;
    let error: string | undefined;
    try {
      if (delivery.Target.Type === 'HTTP') {
        const xml = delivery.Target.Format === 'xml';
        const body = xml ? eventXml(event) : JSON.stringify(event);
        status = await post(delivery.Target.Url, {
          body,
          timeoutMs: this.cfg.timeoutMs,
          policy: this.cfg.urlPolicy,
          headers: {
            'content-type': xml ? 'application/xml; charset=utf-8' : 'application/json; charset=utf-8',
            'x-vdna-signature': sign(this.cfg.secret, body),
            'x-vdna-delivery': `${delivery.Id}`,
            'x-vdna-attempt': `${attempt}`,
          },
        });
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } else {
        await this.redisClient().xadd(delivery.Target.Stream, 'MAXLEN', '~', '100000', '*', 'JobId', job.JobId, 'Event', JSON.stringify(event));
      }
    } catch (err) {
      error = (err as Error).message ?? String(err);
    }
    const ok = error === undefined;
    const retry = !ok && attempt < this.cfg.maxAttempts;
    this.jobs.recordAttempt(
      delivery.Id,
      {
        Attempt: attempt,
        Time: new Date(started).toISOString(),
        Ok: ok,
        ...(status !== undefined && { Status: status }),
        ...(error !== undefined && { Error: error }),
        Milliseconds: Date.now() - started,
      },
      retry ? Date.now() + Math.min(this.cfg.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS) : undefined,
    );
    this.onAttempt(delivery.Target.Type, ok);
  }

  private redisClient(): Redis {
    if (!this.cfg.redisUrl) throw new Error('no Redis broker configured (--redis)');
    if (!this.redis) {
      this.redis = new Redis(this.cfg.redisUrl, { maxRetriesPerRequest: 1 });
      // Connection errors surface as failed attempts (logged and retried); not as unhandled events.
      this.redis.on('error', () => undefined);
    }
    return this.redis;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
    this.redis?.disconnect();
  }
}
