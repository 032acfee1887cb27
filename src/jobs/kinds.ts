/**
 * Job kinds: what a job of each kind does when it runs. The runner looks a job's kind up in this
 * registry, so a new kind (tagging) plugs in by registering, without touching the runner.
 */
import type { JobEffects } from './queue.js';
import type { JobRecord } from './types.js';

export interface JobContext {
  signal: AbortSignal;
  /** Reports progress, 0..1 (throttled by the runner). */
  progress(fraction: number): void;
  /** The job's media as a local file (downloaded first where needed); removed when the job ends. */
  stage(): Promise<string>;
}

/** How a job ended well: its message and result, and what it stores or removes. */
export interface JobOutcome {
  message: string;
  result: unknown;
  effects?: JobEffects;
}

export interface JobKind {
  run(job: JobRecord, ctx: JobContext): Promise<JobOutcome>;
}

export class JobKinds {
  private readonly kinds = new Map<string, JobKind>();

  register(name: string, kind: JobKind): this {
    if (this.kinds.has(name)) throw new Error(`job kind "${name}" is registered twice`);
    this.kinds.set(name, kind);
    return this;
  }

  get(name: string): JobKind | undefined {
    return this.kinds.get(name);
  }
}
