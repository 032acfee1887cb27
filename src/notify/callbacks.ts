/**
 * Delivers completion events from the durable outbox (written in the transaction that ends a job):
 * HTTP POSTs signed with the owning account's secret (HMAC-SHA256), or XADD to a Redis stream,
 * retried with exponential backoff, every attempt logged. Each door renders its own events (and
 * signs them its own way): the dispatcher asks the formatter of the door the job came through.
 */
import { Redis } from 'ioredis';
import { VdnaError } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import type { CallbackTarget, Door, JobRecord } from '../jobs/types.js';
import { checkUrl, post, type UrlPolicy } from '../net/safe-http.js';
import { sign } from './signature.js';
import type { Delivery, Outbox } from './outbox.js';

/** What a job or queue may name as its callback. */
export interface CallbackChecks {
  urlPolicy: UrlPolicy;
  /** redis://host:port for Redis stream callbacks. */
  redisUrl?: string;
}

export interface CallbackConfig extends CallbackChecks {
  /** Attempts in all, then the delivery is marked Failed. */
  maxAttempts: number;
  /** First retry delay; it doubles on every retry (capped at 10 minutes). */
  backoffMs: number;
  timeoutMs: number;
}

/** Where an event goes, for a formatter that signs it. */
export interface EventDelivery {
  /** The same on every attempt of one delivery, so receivers can drop the repeats at-least-once brings. */
  eventId: string;
  format: 'json' | 'xml';
  /** The HTTP callback's URL (absent for a stream entry). */
  url?: string;
  /** The owning account's callback secret. */
  secret: string;
}

/** A door's rendering of a job's completion event. */
export interface EventFormatter {
  /** The event for an HTTP body (JSON or XML) or a stream entry (JSON), with the door's signature headers. */
  render(job: JobRecord, result: unknown, to: EventDelivery): Promise<{ body: string; contentType: string; headers?: Record<string, string> }>;
}

export interface DispatcherDeps {
  jobs: JobQueue;
  outbox: Outbox;
  /** An ended job's result (a blob: the job service reads it). */
  resultOf: (job: JobRecord) => Promise<unknown>;
  formatters: Partial<Record<Door, EventFormatter>>;
  /** The HMAC key of an account's callback signatures. */
  secretOf: (account: string) => Promise<string>;
  onAttempt?: (target: CallbackTarget['type'], ok: boolean) => void;
}

/** Checks a callback target when a job or queue names it. */
export function checkCallback(cfg: CallbackChecks, target: CallbackTarget): void {
  if (target.type === 'http') checkUrl(target.url, cfg.urlPolicy);
  else if (target.type === 'redis' && !cfg.redisUrl) throw new VdnaError('INVALID_ARGUMENT', 'Redis callbacks need a broker: start the server with --redis redis://HOST:PORT');
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
    private readonly deps: DispatcherDeps,
    private readonly cfg: CallbackConfig,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Looks at the outbox now (after a job ends) rather than at the next timer. */
  kick(): void {
    if (this.stopped || this.running) return;
    clearTimeout(this.timer);
    this.running = true;
    this.pass = this.deliverDue()
      .catch(() => undefined)
      .finally(() => {
        this.running = false;
        void this.schedule();
      });
  }

  private async schedule(): Promise<void> {
    if (this.stopped) return;
    const wait = await this.deps.outbox.nextDueIn(Date.now()).catch(() => undefined);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.min(wait ?? 5000, 5000));
    this.timer.unref();
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const due = await this.deps.outbox.due(Date.now(), 8);
      if (due.length === 0 || this.stopped) return;
      await Promise.all(due.map((d) => this.attempt(d)));
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const job = await this.deps.jobs.byId(delivery.jobId);
    if (!job) return;
    const target = delivery.target;
    const formatter = this.deps.formatters[job.door ?? 'native'];
    const started = Date.now();
    const attempt = delivery.attempts + 1;
    let status: number | undefined;
    let error: string | undefined;
    try {
      if (!formatter) throw new Error(`no event format for door ${job.door}`);
      const result = await this.deps.resultOf(job);
      const secret = await this.deps.secretOf(job.account);
      const eventId = `${job.id}-${delivery.id}`;
      if (target.type === 'http') {
        const { body, contentType, headers } = await formatter.render(job, result, { eventId, format: target.format, url: target.url, secret });
        status = await post(target.url, {
          body,
          timeoutMs: this.cfg.timeoutMs,
          policy: this.cfg.urlPolicy,
          headers: {
            'content-type': contentType,
            ...headers,
            'x-vdna-event-id': eventId,
            'x-vdna-delivery': `${delivery.id}`,
            'x-vdna-attempt': `${attempt}`,
          },
        });
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } else if (target.type === 'redis') {
        const { body } = await formatter.render(job, result, { eventId, format: 'json', secret });
        // Streams are per account (one broker serves them all), and entries signed like HTTP events.
        const stream = `${job.account}:${target.stream}`;
        await this.redisClient().xadd(stream, 'MAXLEN', '~', '100000', '*', 'EventId', eventId, 'JobId', job.id, 'Event', body, 'Signature', sign(secret, body));
      }
    } catch (err) {
      error = (err as Error).message ?? String(err);
    }
    const ok = error === undefined;
    const retry = !ok && attempt < this.cfg.maxAttempts;
    await this.deps.outbox.recordAttempt(
      delivery.id,
      {
        attempt,
        time: new Date(started).toISOString(),
        ok,
        ...(status !== undefined && { status }),
        ...(error !== undefined && { error }),
        milliseconds: Date.now() - started,
      },
      retry ? Date.now() + Math.min(this.cfg.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS) : undefined,
    );
    this.deps.onAttempt?.(target.type, ok);
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

  /**
   * Delivers what is due now (for at most `flushMs`: a graceful stop's events reach their receivers),
   * then stops; retries scheduled later wait for the next start (they are in the outbox).
   */
  async stop(flushMs = 10_000): Promise<void> {
    clearTimeout(this.timer);
    await this.pass;
    this.running = true;
    const flush = this.deliverDue().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([flush, new Promise((resolve) => (timer = setTimeout(resolve, flushMs)))]);
    clearTimeout(timer);
    this.stopped = true;
    await flush;
    clearTimeout(this.timer);
    this.redis?.disconnect();
  }
}
