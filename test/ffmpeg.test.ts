import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hamming } from '../src/fingerprint/hamming.js';
import { fingerprintFile } from '../src/fingerprint/video/fingerprint.js';
import { capabilities, tools } from '../src/media/ffmpeg.js';
import { probe } from '../src/media/probe.js';
import { decodeTimeoutMs, runDecoder } from '../src/media/decode.js';
import { VdnaError } from '../src/errors.js';
import { ffmpeg, media, tempDir, vdna } from './helpers.js';

const tmp = tempDir('vdna-ffmpeg-');
after(() => tmp.cleanup());

describe('the ffmpeg vdna runs', () => {
  it('is found and has the decoders and filters vdna needs', () => {
    const { ffmpeg: f, ffprobe } = tools();
    assert.ok(f.path && ffprobe.path);
    const caps = capabilities();
    assert.match(caps.version, /^ffmpeg version/);
    for (const codec of ['h264', 'hevc', 'vp9', 'av1']) assert.equal(caps.decoders[codec], true, `decoder ${codec}`);
    for (const filter of ['fps', 'scale', 'format']) assert.equal(caps.filters[filter], true, `filter ${filter}`);
  });

  // The same 6 s of a real clip in each codec must give the same DNA as the H.264 original.
  const source = media('video/zwm_caminandes_10s.mp4');
  const codecs: Array<[string, string[]]> = [
    ['hevc', ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error']],
    ['vp9', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k']],
    ['av1', ['-c:v', 'libaom-av1', '-cpu-used', '8', '-strict', 'experimental', '-b:v', '300k']],
  ];
  for (const [name, args] of codecs) {
    it(`decodes ${name} to the same fingerprint as the H.264 source`, async () => {
      const reference = join(tmp.path, 'reference.mp4');
      ffmpeg(['-i', source, '-t', '6', '-vf', 'scale=320:180', '-c:v', 'libx264', '-crf', '18', '-an', reference]);
      const out = join(tmp.path, `${name}.mkv`);
      ffmpeg(['-i', source, '-t', '6', '-vf', 'scale=320:180', ...args, '-an', out]);
      const info = await probe(out);
      assert.equal(info.video?.codec, name);
      const a = await fingerprintFile(reference);
      const b = await fingerprintFile(out);
      assert.ok(Math.abs(a.count - b.count) <= 1);
      const distances: number[] = [];
      for (let k = 0; k < Math.min(a.count, b.count); k++) if (!a.flat[k] && !b.flat[k]) distances.push(hamming(a.hashes, k, b.hashes, k));
      distances.sort((x, y) => x - y);
      assert.ok(distances.length > 10);
      assert.ok(distances[Math.floor(distances.length / 2)] <= 4, `median distance ${distances[Math.floor(distances.length / 2)]}`);
    });
  }

  it('refuses pictures over the size limit before decoding', async () => {
    const big = join(tmp.path, 'huge.mov');
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:s=9000x9000:d=0.04', '-frames:v', '1', '-c:v', 'png', big]);
    await assert.rejects(probe(big), (err: unknown) => err instanceof VdnaError && err.code === 'TOO_LARGE');
  });
});

describe('decoder time limit', () => {
  it('stops a decode that takes longer than its limit (ffmpeg waiting on a FIFO nobody writes)', async () => {
    const dir = tempDir();
    try {
      const fifo = join(dir.path, 'never.mp4');
      execFileSync('mkfifo', [fifo]);
      const info = { path: fifo, format: 'mp4', duration: 1, hasAudio: false, still: false };
      await assert.rejects(
        runDecoder(info, ['-i', fifo], [{ args: ['-f', 'rawvideo'], what: 'video frames', unitBytes: 1, unitsPerSecond: 1, expectedSeconds: 1, sink: () => undefined }], { timeoutMs: 300 }),
        (err: VdnaError) => err.code === 'MEDIA_TIMEOUT',
      );
      assert.equal(decodeTimeoutMs(3600), (120 + 3600) * 1000, 'two minutes plus the announced duration');
    } finally {
      dir.cleanup();
    }
  });
});

describe('decoder memory limit', () => {
  it('runs every ffmpeg and ffprobe under VDNA_MAX_DECODER_MB of address space: too little fails the file clearly', () => {
    const data = join(tmp.path, 'memory-limit');
    const clip = media('video/zwm_sintel_10s.mp4');
    const starved = vdna(['--data', data, 'add', 'films', clip, '--key', 'k'], { VDNA_MAX_DECODER_MB: '8' });
    assert.equal(starved.status, 2, starved.stderr);
    assert.match(starved.stderr, /^vdna: error: the decoder (crashed \(SIGSEGV\)|ran out of memory) .*VDNA_MAX_DECODER_MB=8.* \[TOO_LARGE\]\n$/);
    const enough = vdna(['--data', data, 'add', 'films', clip, '--key', 'k']);
    assert.equal(enough.status, 0, enough.stderr);
  });
});

describe('probe pool', () => {
  it('a semaphore holds at most its size at once, the others in order', async () => {
    const { Semaphore } = await import('../src/media/semaphore.js');
    const pool = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const runs = [0, 1, 2, 3, 4].map((i) =>
      pool.run(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise<void>((r) => releases.push(r));
        active--;
      }),
    );
    for (let k = 0; k < 5; k++) {
      await new Promise((r) => setImmediate(r));
      assert.ok(active <= 2, `at most 2 at once, not ${active}`);
      releases.shift()?.();
    }
    await Promise.all(runs);
    assert.deepEqual([peak, order], [2, [0, 1, 2, 3, 4]]);
  });
});
