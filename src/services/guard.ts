/**
 * Policy checks for the services, and the audit trail: every call that changes something is recorded
 * with its outcome, and so is every denial.
 */
import { ACTION_NAMES, ACTIONS, type Action, type ResourceKind } from '../access/actions.js';
import type { Caller } from '../access/caller.js';
import { allowsEvery, allowsSome, isAllowed } from '../access/policy.js';
import type { AccessStore } from '../access/store.js';
import { VdnaError } from '../errors.js';

/** The audit log's name for the operator of the data directory (the CLI, the library API). */
export const LOCAL_OPERATOR = '(local)';

export class Guard {
  constructor(private readonly store: AccessStore) {}

  allowed(caller: Caller, action: Action, resource: string): boolean {
    return isAllowed(caller.policy, action, resource);
  }

  /** Whether the caller may do everything in its account (only such a key may make keys: no key makes a wider one). */
  isAdmin(caller: Caller): boolean {
    return ACTION_NAMES.every((action) => allowsEvery(caller.policy, action, ACTIONS[action].resource));
  }

  /** Whether the caller may act on every resource of a kind (a list need not be filtered). */
  allowsEvery(caller: Caller, action: Action, kind: ResourceKind): boolean {
    return allowsEvery(caller.policy, action, kind);
  }

  /** Whether the caller may act on some resource of a kind (a page offers the action; the call is still checked). */
  allowsSome(caller: Caller, action: Action, kind: ResourceKind): boolean {
    return allowsSome(caller.policy, action, kind);
  }

  /** An entry in the log of `account` (the account acted on: a root key's acts in another account are that account's). */
  private async record(caller: Caller, action: Action, resource: string, outcome: 'Allowed' | 'Denied' | 'Failed', code?: string, account = caller.account) {
    await this.store.audit({
      time: new Date().toISOString(),
      account,
      // The local operator (the CLI on the data directory) has no key.
      keyId: caller.keyId ?? LOCAL_OPERATOR,
      action,
      resource,
      outcome,
      ...(code && { code }),
      ...(caller.requestId && { requestId: caller.requestId }),
    });
  }

  /** Throws ACCESS_DENIED (and records the denial) unless the caller's policy allows the action. */
  async check(caller: Caller, action: Action, resource: string): Promise<void> {
    if (this.allowed(caller, action, resource)) return;
    await this.record(caller, action, resource, 'Denied');
    throw new VdnaError('ACCESS_DENIED', `this key may not ${action} on ${resource}`);
  }

  /** Checks, runs `body`, and records a changing call's outcome in the audit log (of `account`, default the caller's). */
  async run<T>(caller: Caller, action: Action, resource: string, body: () => Promise<T>, account = caller.account): Promise<T> {
    await this.check(caller, action, resource);
    if (!ACTIONS[action].mutating) return body();
    try {
      const result = await body();
      await this.record(caller, action, resource, 'Allowed', undefined, account);
      return result;
    } catch (err) {
      await this.record(caller, action, resource, 'Failed', err instanceof VdnaError ? err.code : 'INTERNAL_ERROR', account);
      throw err;
    }
  }
}
