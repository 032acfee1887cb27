/** What the benchmarks measure with: percentiles, CPU seconds from /proc (Linux), the load average. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** The p-th percentile (0..100) of `xs`, nearest rank. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * CPU seconds of a process (`self` or a pid): its own user and system time, and that of its children
 * it waited for (a worker's ffmpeg; a stopped child of this process; PostgreSQL's ended backends), or
 * only the latter.
 */
export function cpuSeconds(pid: number | 'self' = 'self', of: 'all' | 'children' = 'all'): number {
  // Fields 14-17 of /proc/PID/stat: utime, stime, cutime, cstime (after the command name, fields 12-15).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').map(Number);
  const children = fields[13] + fields[14];
  return (of === 'children' ? children : fields[11] + fields[12] + children) / 100;
}

/** The 1-minute load average, for the note beside each figure. */
export const loadAverage = (): string => loadavg()[0].toFixed(2);

/** The machine's CPU time so far (/proc/stat, every core): busy and in all, in clock ticks. */
export function machineTicks(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = ticks[3] + ticks[4]; // idle and iowait
  const total = ticks.slice(0, 8).reduce((a, t) => a + t, 0); // user .. steal (guest time is inside user)
  return { busy: total - idle, total };
}

/** Cores kept busy on average between two machineTicks() readings. */
export const coresBusy = (from: { busy: number; total: number }, to: { busy: number; total: number }): number =>
  ((to.busy - from.busy) / Math.max(1, to.total - from.total)) * cpus().length;
