/**
 * Policy checks for the services, and the audit trail: every call that changes something is recorded
 * with its outcome, and so is every denial.
 */
import { ACTIONS, type Action, type ResourceKind } from '../access/actions.js';
import type { Caller } from '../access/caller.js';
import { allowsEvery, isAllowed } from '../access/policy.js';
import type { AccessStore } from '../access/store.js';
import { VdnaError } from '../errors.js';

export class Guard {
  constructor(private readonly store: AccessStore) {}

  allowed(caller: Caller, action: Action, resource: string): boolean {
    return isAllowed(caller.policy, action, resource);
  }

  /** Whether the caller may act on every resource of a kind (a list need not be filtered). */
  allowsEvery(caller: Caller, action: Action, kind: ResourceKind): boolean {
    return allowsEvery(caller.policy, action, kind);
  }

  private async record(caller: Caller, action: Action, resource: string, outcome: 'Allowed' | 'Denied' | 'Failed', code?: string) {
    // Local operators (no key) act on their own data directory; only network callers are audited.
    if (caller.keyId === undefined) return;
    await this.store.audit({
      time: new Date().toISOString(),
      account: caller.account,
      keyId: caller.keyId,
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

  /** Checks, runs `body`, and records a changing call's outcome in the audit log. */
  async run<T>(caller: Caller, action: Action, resource: string, body: () => Promise<T>): Promise<T> {
    await this.check(caller, action, resource);
    if (!ACTIONS[action].mutating) return body();
    try {
      const result = await body();
      await this.record(caller, action, resource, 'Allowed');
      return result;
    } catch (err) {
      await this.record(caller, action, resource, 'Failed', err instanceof VdnaError ? err.code : 'INTERNAL_ERROR');
      throw err;
    }
  }
}
