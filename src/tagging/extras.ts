/**
 * The optional tagging part lives in extras/tagging with its own node_modules (hundreds of megabytes
 * of models a DNA-only user does not carry). Its packages are imported through that folder's loader,
 * so bare names resolve there; `npm run setup:tagging` installs it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VdnaError } from '../errors.js';

/** extras/tagging of this checkout (this file is <root>/{dist/,}src/tagging/extras), or VDNA_TAGGING_DIR. */
export const TAGGING_DIR = process.env.VDNA_TAGGING_DIR ?? (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'extras', 'tagging', 'package.json'))) return join(dir, 'extras', 'tagging');
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'extras', 'tagging');
})();

/** Whether a package of the tagging part is installed. */
export function hasExtra(name: string): boolean {
  return existsSync(join(TAGGING_DIR, 'node_modules', name, 'package.json'));
}

/** The folder of an installed package of the tagging part (its model files live there). */
export function extraDir(name: string): string {
  return join(TAGGING_DIR, 'node_modules', name);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function loadExtra<T = any>(name: string): Promise<T> {
  if (!hasExtra(name)) {
    throw new VdnaError('ANALYSER_UNAVAILABLE', `the tagging part is not installed (${name} is missing): run \`npm run setup:tagging\``);
  }
  const loader = (await import(pathToFileURL(join(TAGGING_DIR, 'load.js')).href)) as { load(name: string): Promise<T> };
  return loader.load(name);
}
