/**
 * One server per data directory: the embedded engine is one SQLite file and one in-process queue, so a
 * second `vdna serve` on it would run the first one's jobs again. Running many servers is the
 * PostgreSQL story, not two processes on one file. The lock is a file holding the owner's pid; a lock
 * left by a process that no longer runs (a crash, SIGKILL) is taken over.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { VdnaError } from '../errors.js';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data directory's server lock; resolves with its release. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'server.lock');
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && running(pid)) {
        throw new VdnaError('DATA_DIR_LOCKED', `another vdna serve (pid ${pid}) serves ${dataDir}; stop it first, or give this one another --data directory`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new VdnaError('DATA_DIR_LOCKED', `could not take the lock ${path}`);
}
