/**
 * The signed-in key: kept in this tab's sessionStorage only (gone when the tab closes, never in a
 * cookie, so no other page can make the browser use it), and who it belongs to.
 */
const STORAGE = 'vdna.key';

export interface Identity {
  Account: string;
  AccessKeyId?: string;
  Root: boolean;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let expiredBecause: string | undefined;

export const session = {
  key: (): string | undefined => sessionStorage.getItem(STORAGE) ?? undefined,
  start(key: string): void {
    sessionStorage.setItem(STORAGE, key);
    expiredBecause = undefined;
  },
  end(): void {
    sessionStorage.removeItem(STORAGE);
    listeners.forEach((l) => l());
  },
  /** The server refused the key (revoked, mistyped): sign out, saying why. */
  expire(reason: string): void {
    if (!session.key()) return;
    expiredBecause = reason;
    session.end();
  },
  expiredBecause: () => expiredBecause,
  onEnd(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
