/**
 * A throwaway PostgreSQL for the tests: a cluster made by initdb in a temporary directory, listening on
 * 127.0.0.1 at a free port (its socket in that directory, not Debian's), fsync off, stopped and removed
 * afterwards. The binaries come from scripts/setup-postgres.sh (Debian's postgresql). PostgreSQL refuses
 * to run as root, so as root it runs as the `postgres` user (or `nobody`), owning the directory.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './service-helpers.js';

export interface Postgres {
  /** postgres://… of a fresh database each call. */
  database(): Promise<string>;
  /** The cluster's first database (for tests that share one). */
  url: string;
  /** The postmaster's process id (its CPU time counts its ended backends'). */
  serverPid(): number;
  stop(): void;
}

/** The directory of initdb and pg_ctl: Debian's newest, else whatever is on the PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length) return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
  try {
    return execFileSync('sh', ['-c', 'dirname "$(command -v initdb)"'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL is not installed: run scripts/setup-postgres.sh');
  }
}

/** The user the server runs as, and how to run a command as it. */
function runner(): { uid?: number; gid?: number; run: (cmd: string, args: string[]) => string } {
  const exec = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (process.getuid?.() !== 0) return { run: exec };
  const user = ['postgres', 'nobody'].find((name) => {
    try {
      execFileSync('id', ['-u', name], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!user) throw new Error('running as root, with no postgres (or nobody) user to run PostgreSQL as');
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g'), run: (cmd, args) => exec('runuser', ['-u', user, '--', cmd, ...args]) };
}

/** Starts a cluster; stop() (also run when the process exits) removes it. `settings`: more `-c name=value` server settings. */
export async function startPostgres(settings: Record<string, string> = {}): Promise<Postgres> {
  const bin = binDir();
  const as = runner();
  const dir = mkdtempSync(join(tmpdir(), 'vdna-pg-'));
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid!);
  const data = join(dir, 'data');
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    try {
      as.run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Not running (it failed to start, or is gone already).
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  try {
    as.run(join(bin, 'initdb'), ['-D', data, '-U', 'vdna', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200${Object.entries(settings).map(([k, v]) => ` -c ${k}=${v}`).join('')}`;
      try {
        as.run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', options, 'start']);
      } catch (err) {
        // Someone took the port between the probe and the start: another one.
        if (attempt < 3) continue;
        throw err;
      }
      const base = `postgres://vdna@127.0.0.1:${port}`;
      let n = 0;
      const database = async () => {
        const name = `t${++n}`;
        const client = new pg.Client(`${base}/postgres`);
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        return `${base}/${name}`;
      };
      const serverPid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return { url: await database(), database, serverPid, stop };
    }
  } catch (err) {
    stop();
    throw err;
  }
}
