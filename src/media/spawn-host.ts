/**
 * Starting a child process forks the whole parent first (libuv 1.46: fork, then exec), and the fork
 * copies the parent's page tables: measured 2 ms from a 10 MB process, 20 ms at 300 MB, 43 ms at 1 GB,
 * during which the parent's event loop stands still. A worker holding a large library's index starts
 * two or three decoders per job. So a worker (useSpawnHost), once large, starts them through this small
 * host process instead, forked once: the host spawns each child and relays its pipes over IPC (a decoder's
 * output is thumbnails and low-rate PCM, a few hundred KB/s), pausing a child's pipes while too many
 * chunks wait to be sent, so that a slow reader still throttles its decoder. The host kills its
 * children when its parent goes (a killed worker leaves no decoder running).
 *
 * `startChild` and `runChild` start what fingerprinting needs (ffprobe, ffmpeg's decoders and subtitle
 * reads): through the host where the process opted in, with child_process directly elsewhere (the CLI's
 * small process). Tagging's decoders still start their own (its models make a worker big anyway).
 */
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** What the callers use of a child: its pipes by fd (0 is never piped), kill, and 'error' / 'close' events. */
export interface Child extends EventEmitter {
  stdio: Array<Readable | null>;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface StartOptions {
  /** How many fds from 1 are piped back (2: stdout and stderr; 3 adds fd 3...). */
  pipes: number;
  signal?: AbortSignal;
  /** Sent on abort (the default SIGTERM). */
  killSignal?: NodeJS.Signals;
}

type ToHost =
  | { op: 'spawn'; id: number; command: string; args: string[]; pipes: number }
  | { op: 'kill'; id: number; signal: NodeJS.Signals };
type FromHost =
  | { op: 'data'; id: number; fd: number; chunk: Uint8Array }
  | { op: 'end'; id: number; fd: number }
  | { op: 'error'; id: number; message: string; code?: string }
  | { op: 'close'; id: number; code: number | null; signal: NodeJS.Signals | null };

/**
 * Above this resident size a process that opted in starts its children through the host: a fork of it
 * costs ~25 ms or more, more than relaying a decoder's output does (below it the relay costs more than
 * the fork: bench:load's workers, 2.9 -> 2.7 jobs/s when every child went through the host).
 */
const HOST_ABOVE_BYTES = 512 << 20;

let host: ChildProcess | undefined;
/** Resident size past which children start through the host: none until the process opts in. */
let hostAboveBytes = Infinity;
const hosted = new Map<number, { child: Child; pipes: Readable[] }>();
let nextId = 1;

/**
 * This process starts its children through a host from now on, once it is larger than `aboveBytes` (a
 * worker: its memory grows with its indexes; tests pass 0).
 */
export function useSpawnHost(aboveBytes = HOST_ABOVE_BYTES): void {
  hostAboveBytes = aboveBytes;
}

function ensureHost(): ChildProcess {
  if (host) return host;
  const started = fork(fileURLToPath(import.meta.url), ['--spawn-host'], {
    // None of this process's node options (memory limits, a profiler, an -e script): the host is small.
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  host = started;
  started.on('message', (message: FromHost) => onHostMessage(message));
  // The host died (killed, out of memory): its children's pipes close; their users see a failed child.
  started.on('exit', () => {
    if (host === started) host = undefined;
    for (const [id, { child, pipes }] of hosted) {
      hosted.delete(id);
      for (const pipe of pipes) pipe.push(null);
      child.emit('close', null, 'SIGKILL');
    }
  });
  holdOpen(started, false);
  return started;
}

/** The host keeps this process alive only while a child of it runs. */
function holdOpen(proc: ChildProcess, hold: boolean): void {
  const channel = proc.channel as { ref?: () => void; unref?: () => void } | undefined;
  if (hold) {
    proc.ref();
    channel?.ref?.();
  } else {
    proc.unref();
    channel?.unref?.();
  }
}

function onHostMessage(message: FromHost): void {
  const entry = hosted.get(message.id);
  if (!entry) return;
  switch (message.op) {
    case 'data':
      entry.pipes[message.fd - 1]?.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
      break;
    case 'end':
      entry.pipes[message.fd - 1]?.push(null);
      break;
    case 'error':
      entry.child.emit('error', Object.assign(new Error(message.message), { code: message.code }));
      break;
    case 'close':
      hosted.delete(message.id);
      if (hosted.size === 0 && host) holdOpen(host, false);
      entry.child.emit('close', message.code, message.signal);
      break;
  }
}

const viaHost = () => hostAboveBytes !== Infinity && process.memoryUsage.rss() > hostAboveBytes;

/** Starts `command` with stdin ignored and fds 1..pipes piped back. */
export function startChild(command: string, args: string[], opts: StartOptions): Child {
  if (!viaHost()) {
    return spawn(command, args, { stdio: ['ignore', ...Array.from({ length: opts.pipes }, () => 'pipe' as const)], signal: opts.signal, killSignal: opts.killSignal }) as unknown as Child;
  }
  const id = nextId++;
  const pipes = Array.from({ length: opts.pipes }, () => new Readable({ read() {} }));
  const send = (message: ToHost) => ensureHost().send(message);
  const child = Object.assign(new EventEmitter(), {
    stdio: [null, ...pipes],
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!hosted.has(id)) return false;
      send({ op: 'kill', id, signal });
      return true;
    },
  }) as Child;
  hosted.set(id, { child, pipes });
  holdOpen(ensureHost(), true);
  if (opts.signal) {
    const abort = () => {
      child.kill(opts.killSignal ?? 'SIGTERM');
      child.emit('error', Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }));
    };
    if (opts.signal.aborted) queueMicrotask(abort);
    else opts.signal.addEventListener('abort', abort, { once: true });
    child.once('close', () => opts.signal!.removeEventListener('abort', abort));
  }
  send({ op: 'spawn', id, command, args, pipes: opts.pipes });
  return child;
}

export interface RunOptions {
  timeout: number;
  maxBuffer: number;
  killSignal: NodeJS.Signals;
}

/** What a run child's failure carries, as child_process.execFile's errors do. */
export interface RunError extends Error {
  killed?: boolean;
  signal?: NodeJS.Signals | null;
  code?: number | string | null;
  stderr: string;
}

/** Runs `command` to its end and resolves with its output (execFile's contract: a non-zero exit, a kill or a timeout rejects). */
export function runChild(command: string, args: string[], opts: RunOptions): Promise<{ stdout: string; stderr: string }> {
  if (!viaHost()) {
    return new Promise((resolve, reject) => {
      execFile(command, args, { ...opts, encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr })));
    });
  }
  return new Promise((resolve, reject) => {
    const child = startChild(command, args, { pipes: 2 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let killed = false;
    const stop = () => {
      killed = true;
      child.kill(opts.killSignal);
    };
    const timer = setTimeout(stop, opts.timeout);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > opts.maxBuffer) stop();
      else into.push(chunk);
    };
    child.stdio[1]!.on('data', collect(out));
    child.stdio[2]!.on('data', collect(err));
    child.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(Object.assign(e, { stderr: Buffer.concat(err).toString() }));
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0 && !killed) return resolve({ stdout, stderr });
      reject(Object.assign(new Error(`${command} ended with ${signal ?? `code ${code}`}`), { killed, signal, code, stderr }) as RunError);
    });
  });
}

/** Chunks sent and not yet handed to the channel, per child, past which its pipes are paused. */
const MAX_IN_FLIGHT = 16;

/** The host's side: spawn what the parent asks, relay the pipes, kill everything when the parent goes. */
function runHost(): void {
  const children = new Map<number, ChildProcess>();
  const reply = (message: FromHost, done?: () => void) => {
    if (!process.connected) return;
    process.send!(message, undefined, {}, done);
  };
  process.on('message', (message: ToHost) => {
    if (message.op === 'kill') {
      children.get(message.id)?.kill(message.signal);
      return;
    }
    const { id } = message;
    let child: ChildProcess;
    try {
      child = spawn(message.command, message.args, { stdio: ['ignore', ...Array.from({ length: message.pipes }, () => 'pipe' as const)] });
    } catch (err) {
      reply({ op: 'error', id, message: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
      reply({ op: 'close', id, code: null, signal: null });
      return;
    }
    children.set(id, child);
    let inFlight = 0;
    const pipes = child.stdio.slice(1) as Readable[];
    pipes.forEach((pipe, i) => {
      const fd = i + 1;
      pipe.on('data', (chunk: Buffer) => {
        inFlight++;
        if (inFlight >= MAX_IN_FLIGHT) pipes.forEach((p) => p.pause());
        reply({ op: 'data', id, fd, chunk }, () => {
          inFlight--;
          if (inFlight === MAX_IN_FLIGHT / 2) pipes.forEach((p) => p.resume());
        });
      });
      pipe.on('end', () => reply({ op: 'end', id, fd }));
    });
    child.on('error', (err: NodeJS.ErrnoException) => reply({ op: 'error', id, message: err.message, code: err.code }));
    child.on('close', (code, signal) => {
      children.delete(id);
      reply({ op: 'close', id, code, signal });
    });
  });
  process.on('disconnect', () => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(0);
  });
}

if (process.argv[2] === '--spawn-host' && process.argv[1] === fileURLToPath(import.meta.url)) runHost();
