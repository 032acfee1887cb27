/** Real servers for the service tests: vdna serve as a child process, callback receivers, redis-server. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

export interface RunningServer {
  url: string;
  proc: ChildProcess;
  /** Everything the server logged (JSON lines). */
  log: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
  /** A call with the operator's admin token (VDNA_ADMIN_KEY), or with `token` (null: no Authorization). */
  api: <T = any>(method: string, path: string, body?: unknown, token?: string | null) => Promise<{ status: number; body: T; headers: Headers }>;
}

/** The root admin token the test servers are given (VDNA_ADMIN_KEY). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Starts `vdna serve --port 0` on a data directory (VDNA_ADMIN_KEY=ADMIN_TOKEN unless `env` says otherwise) and waits until it listens. */
export async function startServer(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunningServer> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'vdna.js'), '--data', dataDir, 'serve', '--port', '0', ...args], {
    env: { ...process.env, VDNA_LOG_LEVEL: 'info', VDNA_ADMIN_KEY: ADMIN_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const check = () => {
      const m = /vdna serving (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stderr!.on('data', check);
    proc.on('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
  const api = apiClient(url, env.VDNA_ADMIN_KEY ?? ADMIN_TOKEN);
  return {
    url,
    proc,
    log: () => output,
    api,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await once(proc, 'exit');
    },
  };
}

/** Calls of a running server's API with `defaultToken` (or a call's own token; null: no Authorization); bodies parsed when JSON. */
export function apiClient(url: string, defaultToken: string | null): RunningServer['api'] {
  return async (method: string, path: string, body?: unknown, token: string | null = defaultToken) => {
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, {
      method,
      headers,
      ...(body instanceof FormData || typeof body === 'string' ? { body } : body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
}

/** Polls jobs (10 ids a request) until every one has ended; their views. */
export async function waitForJobs(server: Pick<RunningServer, 'api'>, ids: string[], intervalMs = 500): Promise<any[]> {
  for (;;) {
    const jobs: any[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      jobs.push(...(await server.api('GET', `/v1/jobs?JobIds=${ids.slice(i, i + 10).join(',')}`)).body.Jobs);
    }
    if (jobs.every((j) => ['Success', 'Failed', 'Cancelled'].includes(j.State))) return jobs;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface RunningWorker {
  proc: ChildProcess;
  /** What it wrote on stderr. */
  output: () => string;
  /** SIGTERM (it finishes its job first, within the grace period) and wait for the exit. */
  stop: () => Promise<void>;
}

/** Starts a standalone `vdna worker` on a data directory (its stores: VDNA_DATABASE_URL of `env`, else the directory's). */
export function startWorker(dataDir: string, args: string[] = [], env: Record<string, string> = {}): RunningWorker {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'vdna.js'), '--data', dataDir, 'worker', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  proc.stderr!.on('data', (d) => (output += d));
  return {
    proc,
    output: () => output,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

/** Polls a job until it ends (or fails the test after `timeoutMs`). */
export async function waitForJob(server: RunningServer, id: string, timeoutMs = 120_000, until = ['Success', 'Failed', 'Cancelled'], token?: string): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await server.api('GET', `/v1/jobs/${id}`, undefined, token);
    if (until.includes(body.State)) return body;
    if (body.Code) throw new Error(`job ${id}: ${body.Code} ${body.Message}`);
    if (Date.now() > deadline) throw new Error(`job ${id} still ${body.State} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local HTTP receiver of callbacks; `answer` picks the status of each request (200 by default). */
export async function startReceiver(answer: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answer(received.length);
      res.end('ok');
      waiters.splice(0).forEach((w) => w());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    /** Resolves once `count` requests have arrived. */
    async waitFor(count: number, timeoutMs = 30_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} callbacks arrived`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return received;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A throwaway redis-server on loopback (installed by scripts/test-deps.sh). */
export async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    proc.stdout!.on('data', () => {
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on('error', (err) => reject(new Error(`redis-server could not run (bash scripts/test-deps.sh installs it): ${err.message}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

/** The command lines of a process's descendants ('' when it has none): a worker's ffmpeg (a child of its spawn host) tells which job it runs. */
export function childCommands(pid: number): string {
  let lines: string[];
  try {
    lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').filter((l) => l.trim());
  } catch {
    return '';
  }
  return lines
    .map((line) => {
      const [, child, args] = /^\s*(\d+)\s+(.*)$/.exec(line) ?? [];
      return `${args}\n${child ? childCommands(Number(child)) : ''}`;
    })
    .join('');
}
