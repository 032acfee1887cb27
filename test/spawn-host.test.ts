/**
 * The spawn host (src/media/spawn-host.ts): a process that opted in starts its children through a small
 * host process, and gets their pipes, exit and errors as from child_process; a slow reader throttles the
 * child; the host's children die with the process that asked for them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runChild, startChild, useSpawnHost } from '../src/media/spawn-host.js';

const NODE = process.execPath;
/** A child writing `bytes` pseudo-random bytes to fd 1 and a line to fd 2, then exiting with `code`. */
const writer = (bytes: number, code = 0) => [
  '-e',
  `const b=Buffer.alloc(${bytes});for(let i=0;i<b.length;i++)b[i]=(i*7919)%251;process.stdout.write(b,()=>{process.stderr.write('done\\n');process.exit(${code})})`,
];

describe('spawn host', () => {
  useSpawnHost(0);

  it('relays a child\'s output whole and in order, with its exit code', async () => {
    const child = startChild(NODE, writer(5_000_000), { pipes: 2 });
    const hash = createHash('sha1');
    let size = 0;
    child.stdio[1]!.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    let stderr = '';
    child.stdio[2]!.on('data', (chunk: Buffer) => (stderr += chunk));
    const [code] = await once(child, 'close');
    const expected = Buffer.alloc(5_000_000).map((_, i) => (i * 7919) % 251);
    assert.equal(code, 0);
    assert.equal(size, 5_000_000);
    assert.equal(hash.digest('hex'), createHash('sha1').update(expected).digest('hex'));
    assert.equal(stderr, 'done\n');
  });

  it('runs a child to its end as execFile does: output, non-zero exits and timeouts', async () => {
    assert.equal((await runChild(NODE, ['-e', 'console.log("hi")'], { timeout: 10_000, maxBuffer: 1 << 20, killSignal: 'SIGKILL' })).stdout, 'hi\n');
    await assert.rejects(runChild(NODE, ['-e', 'console.error("bad");process.exit(3)'], { timeout: 10_000, maxBuffer: 1 << 20, killSignal: 'SIGKILL' }), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 3);
      assert.equal(err.stderr, 'bad\n');
      return true;
    });
    await assert.rejects(runChild(NODE, ['-e', 'setTimeout(()=>{},60000)'], { timeout: 300, maxBuffer: 1 << 20, killSignal: 'SIGKILL' }), (err: { killed: boolean; signal: string }) => {
      assert.equal(err.killed, true);
      assert.equal(err.signal, 'SIGKILL');
      return true;
    });
  });

  it('reports a command that cannot start, and an aborted child', async () => {
    const missing = startChild('/nonexistent/ffmpeg', [], { pipes: 2 });
    const [err] = await once(missing, 'error');
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOENT');
    const controller = new AbortController();
    const child = startChild(NODE, ['-e', 'setTimeout(()=>{},60000)'], { pipes: 2, signal: controller.signal, killSignal: 'SIGKILL' });
    // (events.once for 'close' would reject on the 'error' event that comes first)
    const closed = new Promise<unknown[]>((resolve) => child.on('close', (...args) => resolve(args)));
    const aborted = once(child, 'error');
    controller.abort();
    assert.equal(((await aborted)[0] as NodeJS.ErrnoException).code, 'ABORT_ERR');
    assert.equal((await closed)[1], 'SIGKILL');
  });

  it('holds a child back while its reader is busy (the pipe throttles it), and loses nothing', async () => {
    const child = startChild(NODE, writer(20_000_000), { pipes: 2 });
    let size = 0;
    child.stdio[1]!.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // A slow reader: 1 ms of work per chunk.
      const until = Date.now() + 1;
      while (Date.now() < until);
    });
    await once(child, 'close');
    assert.equal(size, 20_000_000);
  });

  it('kills the host\'s children when the process that asked for them dies', async () => {
    // A process that starts a long child through its host, prints the child's pid, and is then killed.
    const script = `
      const { startChild, useSpawnHost } = await import(${JSON.stringify(join(fileURLToPath(new URL('.', import.meta.url)), '../src/media/spawn-host.js'))});
      useSpawnHost(0);
      const child = startChild(process.execPath, ['-e', 'console.log(process.pid); setTimeout(()=>{},60000)'], { pipes: 2 });
      child.stdio[1].on('data', (d) => process.stdout.write(d));
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(NODE, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
    const pid = Number(line.toString().trim());
    assert.ok(pid > 0);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(), false, 'the grandchild outlived its parent');
  });
});
