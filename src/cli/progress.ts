import cliProgress from 'cli-progress';

export interface Progress {
  update: (done: number, total: number) => void;
  stop: () => void;
}

/** A progress bar on stderr; silent when stderr is not a terminal. `unit` follows the numbers. */
function bar(label: string, unit: string): Progress {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const b = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total}${unit}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      const t = Math.max(1, Math.round(total || done));
      if (!started) {
        b.start(t, 0);
        started = true;
      }
      b.setTotal(Math.max(t, Math.round(done)));
      b.update(Math.round(done));
    },
    stop() {
      if (started) b.stop();
      started = false;
    },
  };
}

/** Media seconds decoded. */
export const mediaProgress = (label: string) => bar(label, ' s');

/** A job's progress in percent, as the server reports it. */
export const jobProgress = (label: string) => bar(label, ' %');
