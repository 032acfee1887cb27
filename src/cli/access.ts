/**
 * `vdna accounts …`, `vdna keys …` and `vdna audit`: administration on the data directory, as its
 * operator (whoever can read the files has every power; the admin API offers the same over HTTP).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { VdnaError } from '../errors.js';
import { accountView, auditView, keyView, newKeyView } from '../views/native.js';
import { action } from './local.js';
import { table } from './table.js';

const out = (text: string): void => void process.stdout.write(`${text}\n`);

function readPolicy(file: string): unknown {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new VdnaError('FILE_NOT_FOUND', `no such policy file: ${file}`);
  }
}

export function accessCommands(program: Command): void {
  const accounts = program.command('accounts').description('accounts: each owns its libraries, jobs, queues and keys');
  accounts
    .command('create')
    .description('create an account; prints its callback secret')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(
      action(async ({ services, caller }, name: string, opts: { json?: boolean }) => {
        const { account, callbackSecret } = await services.access.createAccount(caller, name);
        if (opts.json) return out(JSON.stringify(accountView(account, callbackSecret)));
        out(`created account ${account.name}\ncallback secret (signs its callbacks): ${callbackSecret}`);
      }),
    );
  accounts
    .command('list')
    .description('list the accounts')
    .option('--json', 'print JSON')
    .action(
      action(async ({ services, caller }, opts: { json?: boolean }) => {
        const all = await services.access.listAccounts(caller);
        if (opts.json) return out(JSON.stringify({ Accounts: all.map((a) => accountView(a)) }));
        out(table(['account', 'created'], all.map((a) => [a.name, a.createdAt])));
      }),
    );

  const keys = program.command('keys').description('access keys: a bearer token and an AccessKeyId/AccessKeySecret pair, with a policy');
  keys
    .command('create')
    .description('create a key; its token and secret are printed this once')
    .option('--account <name>', 'the account the key acts in (required; made if new)')
    .option('--policy <file>', 'a RAM-style JSON policy file')
    .option('--admin', 'allow everything in the account')
    .option('--root', 'also administer other accounts')
    .option('--rate-limit <n>', 'requests per second (default: the server\'s)')
    .option('--description <text>', 'what the key is for')
    .option('--json', 'print JSON')
    .action(
      action(async ({ services, caller, account }, opts: { policy?: string; admin?: boolean; root?: boolean; rateLimit?: string; description?: string; json?: boolean }) => {
        if (!account) throw new VdnaError('INVALID_ARGUMENT', 'give --account NAME: the account the key acts in');
        if (!opts.policy && !opts.admin) throw new VdnaError('INVALID_ARGUMENT', 'give --policy FILE or --admin');
        await services.access.ensureAccount(account);
        const key = await services.access.createKey(caller, {
          account,
          ...(opts.policy && { policy: readPolicy(opts.policy) }),
          admin: opts.admin,
          root: opts.root,
          description: opts.description,
          ...(opts.rateLimit !== undefined && { rateLimit: Number(opts.rateLimit) }),
        });
        if (opts.json) return out(JSON.stringify(newKeyView(key)));
        out(
          `created key ${key.id} in account ${key.account}${key.root ? ' (root)' : ''}. Shown this once; keep it:\n` +
            `  VDNA_API_KEY=${key.token}\n  AccessKeyId=${key.id}\n  AccessKeySecret=${key.secret}`,
        );
      }),
    );
  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--account <name>', 'one account only')
    .option('--json', 'print JSON')
    .action(
      action(async ({ services, caller, account }, opts: { json?: boolean }) => {
        const all = await services.access.listKeys(caller, account);
        if (opts.json) return out(JSON.stringify({ Keys: all.map(keyView) }));
        const rows = all.map((k) => [k.id, k.account, k.root ? 'root' : '', k.revokedAt ? `revoked ${k.revokedAt}` : 'active', k.description, k.createdAt]);
        out(table(['key', 'account', 'root', 'state', 'description', 'created'], rows));
      }),
    );
  keys
    .command('revoke')
    .description('revoke a key: refused from its next request on')
    .argument('<id>')
    .action(
      action(async ({ services, caller }, id: string) => {
        const key = await services.access.revokeKey(caller, id);
        out(`revoked ${key.id} (account ${key.account})`);
      }),
    );

  program
    .command('audit')
    .description('the audit log, newest first: every call over the network that changed something, and every denial')
    .option('--of <account>', 'one account only')
    .option('--limit <n>', 'entries', '50')
    .option('--json', 'print JSON')
    .action(
      action(async ({ services, caller }, opts: { of?: string; limit: string; json?: boolean }) => {
        const { entries } = await services.access.auditLog(caller, { account: opts.of, limit: Number(opts.limit) });
        if (opts.json) return out(JSON.stringify({ Entries: entries.map(auditView) }));
        out(table(['time', 'account', 'key', 'action', 'resource', 'outcome', 'code'], entries.map((e) => [e.time, e.account, e.keyId ?? '', e.action, e.resource, e.outcome, e.code ?? ''])));
      }),
    );
}
