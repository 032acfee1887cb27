/** The naming rules of libraries, queues, accounts and item keys. */
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

/** Primary keys: 1-256 characters, no control characters. */
export function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new VdnaError('INVALID_ARGUMENT', `a primary key must be 1-${MAX_KEY_LENGTH} characters without control characters`);
  }
}
