import { homedir } from 'node:os';
import { join } from 'node:path';

/** The data directory: --data, else $VDNA_DATA, else ~/.local/share/vdna (or $XDG_DATA_HOME/vdna). */
export function defaultDataDir(): string {
  if (process.env.VDNA_DATA) return process.env.VDNA_DATA;
  const xdg = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(xdg, 'vdna');
}
