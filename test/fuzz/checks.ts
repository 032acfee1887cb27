/** What every answer to hostile input is held to: a documented code, no stack trace, no server path. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

/** vdna's error codes, read from the ErrorCode union of src/errors.ts (so a new code is known here at once). */
export const ERROR_CODES: ReadonlySet<string> = new Set(
  [...readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8').split('export class')[0].matchAll(/\|\s*'(\w+)'/g)].map((m) => m[1]),
);

/** A V8 stack frame ("    at fn (file:///x.js:1:2)") or a Node internal error dump. */
export const hasStackTrace = (text: string) => /^\s+at .*(:\d+:\d+\)?|<anonymous>)$/m.test(text) || /node:internal|\.[cm]?js:\d+/.test(text);

/** The absolute paths a message names, other than those the client itself gave (`allowed`). */
export function leakedPaths(text: string, allowed: string[] = []): string[] {
  let rest = text;
  for (const a of allowed) rest = rest.split(a).join('');
  return [...rest.matchAll(/(?:^|[\s"'(=:])(\/(?:tmp|var|home|root|work|usr|etc|proc|run|srv|opt)\/[^\s"')]*)/g)].map((m) => m[1]);
}

/** A bounded wait: rejects after `ms` with `what` in the message. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
