import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this module whether it runs from source or from dist/. */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The shared real-media corpus beside the repository (override with VDNA_MEDIA). */
export const MEDIA = process.env.VDNA_MEDIA ?? resolve(ROOT, '..', 'shared', 'media');

/** Where benchmarks keep what they make (git-ignored). */
export const OUT = join(ROOT, 'bench', 'out');
