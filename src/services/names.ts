/** The naming rules of libraries, queues, accounts, item keys and persons. */
import { VdnaError } from '../errors.js';

/** Names of libraries, queues and accounts: 1-64 letters, digits, '.', '_' or '-', not starting with a sign. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_KEY_LENGTH = 256;

export function checkName(what: 'library' | 'queue' | 'account', name: string): void {
  if (!NAME.test(name)) {
    throw new VdnaError('INVALID_ARGUMENT', `invalid ${what} name "${name.slice(0, 80)}": use 1-64 letters, digits, '.', '_' or '-'`);
  }
}

export const checkLibraryName = (name: string) => checkName('library', name);

const printable = (text: string, max: number) => text.length > 0 && text.length <= max && !/[\u0000-\u001f\u007f]/.test(text);

/** Primary keys: 1-256 characters, no control characters. */
export function checkKey(key: string): void {
  if (!printable(key, MAX_KEY_LENGTH)) {
    throw new VdnaError('INVALID_ARGUMENT', `a primary key must be 1-${MAX_KEY_LENGTH} characters without control characters`);
  }
}

/** A person's name (what a Person tag shows, "Ada Lovelace"): 1-128 characters, no control characters or '/'. */
export function checkPersonName(name: string): void {
  if (!printable(name, 128) || name.includes('/') || name.trim() !== name) {
    throw new VdnaError('INVALID_ARGUMENT', "a person's name must be 1-128 characters, without control characters, '/' or outer spaces");
  }
}
