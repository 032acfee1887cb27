/**
 * Polling with back-off: quick while something changes or runs, slower and slower while nothing does
 * (up to a ceiling), quick again after a change or when asked. No server push needed, and an idle tab
 * costs the server little.
 */
import { useEffect, useRef } from 'preact/hooks';

export const POLL = { fastest: 1000, slowest: 30_000, factor: 2 } as const;

/** The next delay: back to the fastest after a change, else doubled up to the ceiling (`busy` caps it at 2 s). */
export function nextDelay(previous: number, changed: boolean, busy: boolean): number {
  if (changed) return POLL.fastest;
  const slower = Math.min(previous * POLL.factor, POLL.slowest);
  return busy ? Math.min(slower, 2 * POLL.fastest) : slower;
}

/** Runs `tick` now and again after each delay; `tick` says whether anything changed and whether work is under way. `kick` polls at once. */
export function usePolling(tick: () => Promise<{ changed: boolean; busy: boolean }>, deps: unknown[]): { kick: () => void } {
  const timer = useRef<number | undefined>(undefined);
  const delay = useRef<number>(POLL.fastest);
  const run = useRef<() => void>(() => undefined);
  useEffect(() => {
    let live = true;
    run.current = async () => {
      clearTimeout(timer.current);
      let outcome = { changed: false, busy: false };
      try {
        outcome = await tick();
      } catch {
        /* the view shows its own error; keep trying, slower */
      }
      if (!live) return;
      delay.current = nextDelay(delay.current, outcome.changed, outcome.busy);
      timer.current = window.setTimeout(() => run.current(), document.hidden ? POLL.slowest : delay.current);
    };
    delay.current = POLL.fastest;
    run.current();
    const onVisible = () => !document.hidden && run.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      live = false;
      clearTimeout(timer.current);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, deps);
  return {
    kick: () => {
      delay.current = POLL.fastest;
      run.current();
    },
  };
}
