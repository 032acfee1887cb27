/**
 * What the signed-in key may do, as the server's policy evaluation answers it (POST
 * /v1/caller/permissions): the page asks before it shows an action, and keeps the answers for the
 * session. The page has no rule of its own; the API still checks every call.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

/** An action on a resource ("library/films"), or without one on some resource of its kind. */
export interface Check {
  action: string;
  resource?: string;
}

const answers = new Map<string, boolean>();
const keyOf = (c: Check) => `${c.action} ${c.resource ?? '*'}`;
const MAX_CHECKS = 500;

export async function ensurePermissions(checks: Check[]): Promise<void> {
  const missing = [...new Map(checks.filter((c) => !answers.has(keyOf(c))).map((c) => [keyOf(c), c])).values()];
  for (let i = 0; i < missing.length; i += MAX_CHECKS) {
    const batch = missing.slice(i, i + MAX_CHECKS);
    const { Allowed } = await api<{ Allowed: boolean[] }>('POST', '/v1/caller/permissions', {
      Checks: batch.map((c) => ({ Action: c.action, ...(c.resource !== undefined && { Resource: c.resource }) })),
    });
    batch.forEach((c, j) => answers.set(keyOf(c), Allowed[j] === true));
  }
}

/** Whether the key may (false until the server has said so). */
export const can = (action: string, resource?: string): boolean => answers.get(keyOf({ action, resource })) === true;

export function forgetPermissions(): void {
  answers.clear();
}

/** Asks for the checks (again when `deps` change); true once answered. */
export function usePermissions(checks: Check[], deps: unknown[]): boolean {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let live = true;
    setReady(false);
    ensurePermissions(checks)
      .catch(() => undefined)
      .then(() => live && setReady(true));
    return () => {
      live = false;
    };
  }, deps);
  return ready;
}
