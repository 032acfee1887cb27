import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA, ROOT } from '../bench/paths.js';
import { tools } from '../src/media/ffmpeg.js';

export { MEDIA, ROOT };

export function media(relative: string): string {
  const path = join(MEDIA, relative);
  if (!existsSync(path)) throw new Error(`test media missing: ${path} (is ../shared beside the repository?)`);
  return path;
}

export function tempDir(prefix = 'vdna-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs ffmpeg with the given arguments (an edit of a real clip), failing loudly. */
export function ffmpeg(args: string[]): void {
  execFileSync(tools().ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `vdna` executable. */
export function vdna(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'vdna.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Polls `check` every 50 ms until it gives something other than undefined or false, and resolves with that. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
