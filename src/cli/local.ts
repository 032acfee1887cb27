/** Local commands: the data directory's services, called as its operator. */
import type { Command } from 'commander';
import { localCaller, type Caller } from '../access/caller.js';
import { defaultDataDir } from '../data-dir.js';
import { localSettings, openServices, type Services } from '../services/index.js';

interface GlobalOptions {
  data?: string;
  account?: string;
}

/** A local command's services on the data directory, and the caller: the operator of its account. */
export interface Local {
  services: Services;
  caller: Caller;
  /** --account as given (commander hands it to the program, wherever it stands on the line). */
  account?: string;
}

/** Runs a command body on the data directory's services, closing them however the body ends. */
export function action<A extends unknown[]>(body: (local: Local, ...args: A) => Promise<void> | void) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    const dataDir = opts.data ?? defaultDataDir();
    const services = await openServices(dataDir, localSettings(dataDir));
    try {
      await body({ services, caller: localCaller(opts.account), account: opts.account }, ...(args.slice(0, -1) as A));
    } finally {
      await services.close();
    }
  };
}
