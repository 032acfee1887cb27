import cliProgress from 'cli-progress';

/** A progress bar on stderr for media seconds decoded; silent when stderr is not a terminal. */
export function mediaProgress(label: string): { update: (seconds: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} s`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(seconds, total) {
      const t = Math.max(1, Math.round(total || seconds));
      if (!started) {
        bar.start(t, 0);
        started = true;
      }
      bar.setTotal(Math.max(t, Math.round(seconds)));
      bar.update(Math.round(seconds));
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
