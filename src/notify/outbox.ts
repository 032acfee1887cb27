/**
 * The callback outbox's contract: a delivery row is written in the transaction that ends a job (by
 * the engine's job queue), then worked off by the dispatcher, every attempt logged.
 */
import type { CallbackTarget } from '../jobs/types.js';

export interface DeliveryAttempt {
  attempt: number;
  time: string;
  ok: boolean;
  /** HTTP status, when there was a response. */
  status?: number;
  error?: string;
  milliseconds: number;
}

export interface Delivery {
  id: number;
  jobId: string;
  target: CallbackTarget;
  state: 'Pending' | 'Delivered' | 'Failed';
  attempts: number;
  nextAttemptAt?: string;
  log: DeliveryAttempt[];
}

export interface Outbox {
  /** A job's deliveries, oldest first. */
  deliveries(jobId: string): Promise<Delivery[]>;
  /** Deliveries whose next attempt is due, oldest first (an engine several servers share hands each to one of them for a while). */
  due(now: number, limit: number): Promise<Delivery[]>;
  /** Milliseconds until the next pending delivery is due, if any. */
  nextDueIn(now: number): Promise<number | undefined>;
  /** Records an attempt; `retryAt` schedules the next one, else the delivery ends (Delivered or Failed). */
  recordAttempt(id: number, attempt: DeliveryAttempt, retryAt?: number): Promise<void>;
  /** The dead letters: an account's deliveries that failed every attempt, newest first. */
  failed(account: string, page: { limit: number; cursor?: string }): Promise<{ deliveries: Delivery[]; nextCursor?: string }>;
  /** Sends a dead letter again (a new round of attempts, its log kept); undefined unless it is the account's and Failed. */
  replay(account: string, id: number): Promise<Delivery | undefined>;
}
