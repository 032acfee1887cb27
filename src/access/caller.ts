/** Who is calling a service: an account, the key it authenticated with, and that key's policy. */
import { ADMIN_POLICY, type Policy } from './policy.js';

export interface Caller {
  account: string;
  /** The access key; absent for the local operator (the CLI on the data directory). */
  keyId?: string;
  /** A root key also administers other accounts. */
  root: boolean;
  policy: Policy;
  /** The key's own requests-per-second limit, when it has one. */
  rateLimit?: number;
  /** Carried into the audit log. */
  requestId?: string;
}

export const DEFAULT_ACCOUNT = 'default';

/** The operator of a data directory (local CLI, the library API): whoever can read the files can do everything. */
export function localCaller(account = DEFAULT_ACCOUNT): Caller {
  return { account, root: true, policy: ADMIN_POLICY };
}
