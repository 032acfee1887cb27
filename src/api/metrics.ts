/** Prometheus metrics: HTTP requests, jobs by state, job durations, busy workers, callback attempts. */
import client from 'prom-client';
import type { JobQueue } from '../jobs/queue.js';
import { JOB_STATES, type JobRecord } from '../jobs/types.js';

export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  private readonly jobDuration: client.Histogram<'mode' | 'state'>;
  private readonly callbackAttempts: client.Counter<'type' | 'ok'>;

  constructor(jobs: JobQueue) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry, prefix: 'vdna_' });
    this.httpDuration = new client.Histogram({
      name: 'vdna_http_request_duration_seconds',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.jobDuration = new client.Histogram({
      name: 'vdna_job_duration_seconds',
      help: 'Run time of ended jobs by mode and final state',
      labelNames: ['mode', 'state'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
      registers,
    });
    this.callbackAttempts = new client.Counter({
      name: 'vdna_callback_attempts_total',
      help: 'Callback delivery attempts by target type and outcome',
      labelNames: ['type', 'ok'],
      registers,
    });
    new client.Gauge({
      name: 'vdna_jobs',
      help: 'Jobs by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await jobs.stateCounts();
        for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    new client.Gauge({
      name: 'vdna_workers_busy',
      help: 'Jobs running now (in every worker process)',
      registers,
      async collect() {
        this.set((await jobs.stateCounts()).Running ?? 0);
      },
    });
  }

  jobEnded(job: JobRecord, seconds: number): void {
    this.jobDuration.observe({ mode: job.mode, state: job.state }, seconds);
  }

  callbackAttempt(type: string, ok: boolean): void {
    this.callbackAttempts.inc({ type, ok: String(ok) });
  }
}
