/**
 * Hostile media (issue P5): ~50 mutants of real files — truncated, bit-flipped, zeroed, spliced across
 * containers, headers claiming huge pictures and durations, empty, random bytes behind a valid magic
 * number, text named .mp4, timed text whose items are not cues or that holds a quarter million of
 * them — fed to the CLI (`vdna add`) and to the API (uploaded save jobs). Each must end in bounded
 * time, either stored (a mutant can still be valid media) or refused with one clear line carrying a
 * code of src/errors.ts; nothing crashes, nothing leaks a server path, and the libraries keep their
 * good items, which still find themselves.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ERROR_CODES, hasStackTrace, leakedPaths, within } from './fuzz/checks.js';
import { flipBits, magicJunk, MAGIC, patchAvi, patchJpeg, patchMkv, patchMp4, patchPng, patchWav, Rand, splice, truncate, zeroRange } from './fuzz/mutate.js';
import { MEDIA, media, ROOT, tempDir } from './helpers.js';
import { startServer, waitForJob, type RunningServer } from './service-helpers.js';

const SEED = 0x5eed05;
/** A CLI run or a job longer than this is a hang (every good file here fingerprints in a few seconds). */
const BOUND_MS = 60_000;
/** CLI runs at once: the machine has two cores. */
const PARALLEL = 2;

type LibraryName = 'films' | 'songs' | 'pics' | 'notes';
const LIBRARIES: Record<LibraryName, { type: string; good: Record<string, string> }> = {
  films: { type: 'video', good: { friday: media('video/mdn_friday.mp4'), caminandes: media('video/zwm_caminandes_10s.mp4') } },
  songs: { type: 'audio', good: { david: media('audio/codec2_david4_8k.wav'), librispeech: media('audio/librosa_librispeech_3436-172162-0000.hq.ogg') } },
  pics: { type: 'image', good: { text: media('ocr/opencv_imageTextN.png'), anne: media('faces/kphotoalbum_anne_helene.jpg') } },
  notes: { type: 'text', good: { german: media('audio/aeneas_librivox_de.txt'), spanish: media('audio/aeneas_librivox_es.txt') } },
};
const libraries = Object.entries(LIBRARIES) as Array<[LibraryName, (typeof LIBRARIES)[LibraryName]]>;

interface Mutant {
  key: string;
  /** The file name it is uploaded and stored under: what it claims to be. */
  name: string;
  library: LibraryName;
  bytes: Buffer;
}

/** Timed text (JSON cues) of `count` distinct one-word cues. */
const timedText = (count: number) => JSON.stringify(Array.from({ length: count }, (_, i) => ({ start: i, end: i + 1, text: `w${i}` })));

/** The corpus for one seed: every mutator over 4-6 small real files, and a few hostile texts. */
function mutants(seed: number): Mutant[] {
  const r = new Rand(seed);
  const read = (p: string) => readFileSync(media(p));
  const src = {
    mp4: read('video/mdn_friday.mp4'), // moov first, picture and sound
    webm: read('video/mdn_flower.webm'),
    avi: read('video/tupi_example_animation.avi'),
    wav: read('audio/codec2_david4_8k.wav'),
    png: read('ocr/opencv_imageTextN.png'),
    jpg: read('faces/kphotoalbum_anne_helene.jpg'),
    srt: Buffer.from('1\n00:00:01,000 --> 00:00:04,000\nThe quick brown dog jumped over the lazy fox\n\n2\n00:00:05,000 --> 00:00:08,000\nand the lazy fox did not mind at all\n'),
    json: Buffer.from(timedText(3)),
    txt: read('ocr/tesseract_phototest.txt'),
  };
  const home: Record<keyof typeof src, LibraryName> = { mp4: 'films', webm: 'films', avi: 'films', wav: 'songs', png: 'pics', jpg: 'pics', srt: 'notes', json: 'notes', txt: 'notes' };
  const list: Array<Omit<Mutant, 'key'>> = [];
  const add = (label: string, ext: keyof typeof src, bytes: Buffer) => list.push({ name: `${label}.${ext}`, library: home[ext], bytes });
  for (const ext of ['mp4', 'webm', 'avi', 'wav', 'png'] as const) {
    const b = src[ext];
    add('truncated-half', ext, truncate(b, 0.5));
    add('header-flips', ext, flipBits(b, 24, r, 0, 2048));
    add('body-flips', ext, flipBits(b, 200, r, 2048));
    add('zeroed', ext, zeroRange(b, 1024 + r.int(b.length / 2), Math.floor(b.length / 4)));
  }
  add('truncated-5pc', 'mp4', truncate(src.mp4, 0.05));
  add('head-mp4-tail-webm', 'mp4', splice(src.mp4, src.webm, 0.3));
  add('head-webm-tail-avi', 'webm', splice(src.webm, src.avi, 0.2));
  add('head-avi-tail-mp4', 'avi', splice(src.avi, src.mp4, 0.4));
  add('head-wav-tail-mp4', 'wav', splice(src.wav, src.mp4, 0.1));
  // Headers that lie: pictures over the pixel limit (but within what ffmpeg accepts), durations from hours to ages.
  add('huge-picture', 'mp4', patchMp4(src.mp4, { width: 12000, height: 12000 }));
  add('two-days', 'mp4', patchMp4(src.mp4, { duration: 2 * 86400, timescale: 1 }));
  add('claims-100-min', 'mp4', patchMp4(src.mp4, { duration: 6000, timescale: 1 }));
  add('huge-picture', 'webm', patchMkv(src.webm, { width: 12000, height: 12000 }));
  add('claims-ages', 'webm', patchMkv(src.webm, { duration: 1e12 }));
  add('huge-picture', 'avi', patchAvi(src.avi, { width: 12000, height: 12000 }));
  add('claims-ages', 'avi', patchAvi(src.avi, { frames: 0x7fffffff }));
  add('claims-4-gb', 'wav', patchWav(src.wav, { dataSize: 0xfffffff0 }));
  add('rate-100-hz', 'wav', patchWav(src.wav, { sampleRate: 100 }));
  add('huge-picture', 'png', patchPng(src.png, 12000, 12000));
  add('8000-squared', 'png', patchPng(src.png, 8000, 8000));
  add('huge-picture', 'jpg', patchJpeg(src.jpg, 12000, 12000));
  // Nothing, junk behind a magic number, text under a media name.
  add('empty', 'mp4', Buffer.alloc(0));
  add('junk', 'mp4', magicJunk(MAGIC.mp4, 64 * 1024, r));
  add('junk', 'webm', magicJunk(MAGIC.webm, 64 * 1024, r));
  add('junk', 'avi', magicJunk(MAGIC.avi, 64 * 1024, r));
  add('junk', 'wav', magicJunk(MAGIC.wav, 64 * 1024, r));
  add('junk', 'png', magicJunk(MAGIC.png, 16 * 1024, r));
  add('text', 'mp4', Buffer.from('This is not a film.\nIt is a text file with a media name.\n'.repeat(50)));
  // Texts: items that are not cues, a cue list too long to spread into Math.max, a broken time, binary and invalid UTF-8.
  add('items-not-cues', 'json', Buffer.from('[null, 1, "x", [], {"start": "0", "end": 1, "text": "a"}]'));
  add('quarter-million-cues', 'json', Buffer.from(timedText(250_000)));
  add('truncated-half', 'json', truncate(src.json, 0.5));
  add('bad-time', 'srt', Buffer.from(src.srt.toString().replace('00:00:05,000 --> 00:00:08,000', '00:00:05,000 --> soon')));
  add('bit-flips', 'srt', flipBits(src.srt, 40, r));
  add('invalid-utf8', 'txt', Buffer.concat([src.txt.subarray(0, 100), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), src.txt.subarray(100)]));
  return list.map((m, i) => ({ ...m, key: `m${String(i).padStart(2, '0')}-${m.name}` }));
}

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** The real `vdna` executable, killed with its ffmpeg children (and reported as timed out) past `timeoutMs`. */
function vdna(args: string[], timeoutMs = BOUND_MS): Promise<Run> {
  const started = Date.now();
  // Its own process group, so that a timeout kills the decoders it started too.
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vdna.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    }),
  );
}

/** Runs `work` over `items`, `parallel` at a time, in order of start. */
async function pool<T, R>(items: T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return out;
}

/** What went wrong with one CLI run of a mutant, if anything: its outcome otherwise. */
function judgeCli(r: Run): { problem?: string; outcome: string } {
  const all = r.stdout + r.stderr;
  if (r.timedOut) return { problem: `no end within ${BOUND_MS} ms (killed)`, outcome: 'HANG' };
  if (r.signal) return { problem: `killed by ${r.signal}`, outcome: 'CRASH' };
  if (hasStackTrace(all)) return { problem: `stack trace: ${all.slice(0, 400)}`, outcome: 'TRACE' };
  if (r.status === 0) {
    return /^added "/.test(r.stdout) ? { outcome: 'stored' } : { problem: `exit 0 without "added": ${all.slice(0, 200)}`, outcome: '?' };
  }
  const line = r.stderr.trim();
  const code = /^vdna: error: .+ \[(\w+)\]$/.exec(line)?.[1];
  if (r.status !== 2 || line.includes('\n') || !code) return { problem: `exit ${r.status}, not one "vdna: error: ... [CODE]" line: ${line.slice(0, 300)}`, outcome: '?' };
  if (!ERROR_CODES.has(code)) return { problem: `unknown code ${code}`, outcome: code };
  return { outcome: code };
}

const json = (r: Run) => JSON.parse(r.stdout) as any;

describe('fuzzed media', () => {
  const dir = tempDir('vdna-fuzz-media-');
  after(() => dir.cleanup());
  const corpus = mutants(SEED);
  const files = join(dir.path, 'mutants');
  mkdirSync(files);
  const pathOf = (m: Mutant) => join(files, m.key);
  for (const m of corpus) writeFileSync(pathOf(m), m.bytes);

  test('the corpus is what the seed says: ~50 mutants, the same bytes each time', () => {
    assert.ok(corpus.length >= 40 && corpus.length <= 56, `${corpus.length} mutants`);
    const same = (a: Mutant[]) => a.length === corpus.length && a.every((m, i) => m.key === corpus[i].key && m.bytes.equals(corpus[i].bytes));
    assert.ok(same(mutants(SEED)), 'one seed, one corpus');
    assert.ok(!same(mutants(SEED + 1)), 'another seed, other mutants');
  });

  test('CLI: every mutant is stored or refused with one coded line, in bounded time; the libraries stay intact', async (t) => {
    const data = join(dir.path, 'cli-data');
    for (const [name, lib] of libraries) {
      assert.equal((await vdna(['--data', data, 'create', name, '--type', lib.type])).status, 0);
      for (const [key, file] of Object.entries(lib.good)) {
        const r = await vdna(['--data', data, 'add', name, file, '--key', key]);
        assert.equal(r.status, 0, r.stderr);
      }
    }
    const runs = await pool(corpus, PARALLEL, async (m) => ({ m, r: await vdna(['--data', data, 'add', m.library, pathOf(m), '--key', m.key]) }));
    const problems: string[] = [];
    const stored = new Map<LibraryName, string[]>();
    for (const { m, r } of runs) {
      const { problem, outcome } = judgeCli(r);
      t.diagnostic(`${m.key.padEnd(30)} ${outcome.padEnd(20)} ${String(r.ms).padStart(5)} ms  ${r.stderr.trim().slice(0, 160)}`);
      if (problem) problems.push(`${m.key}: ${problem}`);
      if (outcome === 'stored') stored.set(m.library, [...(stored.get(m.library) ?? []), m.key]);
    }
    assert.deepEqual(problems, []);

    for (const [name, lib] of libraries) {
      const listed = json(await vdna(['--data', data, 'list', name, '--json'])).Items.map((i: any) => i.PrimaryKey).sort();
      assert.deepEqual(listed, [...Object.keys(lib.good), ...(stored.get(name) ?? [])].sort(), `${name} lists its good items and the stored mutants`);
      for (const [key, file] of Object.entries(lib.good)) {
        const found = json(await vdna(['--data', data, 'search', name, file, '--json'])).Matches.map((x: any) => x.PrimaryKey);
        assert.ok(found.includes(key), `searching ${key} in ${name} finds it: ${found}`);
      }
    }
  });

  describe('API', () => {
    let server: RunningServer;
    const data = join(dir.path, 'api-data');
    before(async () => {
      server = await startServer(data, ['--allow-path', MEDIA, '--workers', '2', '--rate-limit', '0']);
    });
    after(() => server?.stop());

    test('every uploaded mutant ends Success or Failed with a known code and no server path; the server and libraries survive', async (t) => {
      for (const [name, lib] of libraries) {
        assert.equal((await server.api('POST', '/v1/libraries', { Name: name, MediaType: lib.type })).status, 201);
        for (const [key, file] of Object.entries(lib.good)) {
          const r = await server.api('POST', '/v1/jobs', { Library: name, Mode: 'onlysave', PrimaryKey: key, Input: { Type: 'Path', Source: file } });
          assert.equal((await waitForJob(server, r.body.JobId, BOUND_MS)).State, 'Success');
        }
      }

      const problems: string[] = [];
      const submitted: Array<{ m: Mutant; id: string }> = [];
      for (const m of corpus) {
        const form = new FormData();
        for (const [k, v] of Object.entries({ Library: m.library, Mode: 'save', PrimaryKey: m.key })) form.set(k, v);
        form.set('Media', new Blob([new Uint8Array(m.bytes)]), m.name);
        const r = await within(BOUND_MS, `upload of ${m.key}`, server.api('POST', '/v1/jobs', form));
        if (r.status === 201) submitted.push({ m, id: r.body.JobId });
        // A submission may be refused at once, but only as a 4xx in vdna's shape.
        else if (!(r.status >= 400 && r.status < 500 && ERROR_CODES.has(r.body?.Code))) problems.push(`${m.key}: submit answered ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      }

      const deadline = Date.now() + BOUND_MS * 2;
      const saved = new Map<LibraryName, string[]>();
      for (const { m, id } of submitted) {
        const job = await waitForJob(server, id, Math.max(1000, deadline - Date.now())).catch((err: Error) => ({ State: 'HANG', Message: err.message }));
        t.diagnostic(`${m.key.padEnd(30)} ${job.State.padEnd(8)} ${(job.Code ?? '').padEnd(20)} ${(job.Message ?? '').slice(0, 160)}`);
        if (job.State === 'Success') {
          const result = (await server.api('GET', `/v1/jobs/${id}/result`)).body;
          if (result.Saved) saved.set(m.library, [...(saved.get(m.library) ?? []), m.key]);
        } else if (job.State !== 'Failed') problems.push(`${m.key}: ${job.State} ${job.Message ?? ''}`);
        else if (!ERROR_CODES.has(job.Code)) problems.push(`${m.key}: code ${job.Code}: ${job.Message}`);
        else if (leakedPaths(job.Message).length || hasStackTrace(job.Message)) problems.push(`${m.key}: message leaks ${leakedPaths(job.Message)}: ${job.Message}`);
      }
      assert.deepEqual(problems, []);
      assert.deepEqual(readdirSync(join(data, 'staging')), [], 'no upload is left behind');

      assert.deepEqual([server.proc.exitCode, server.proc.signalCode], [null, null], 'the server is alive');
      assert.equal((await server.api('GET', '/healthz', undefined, null)).status, 200);
      const errors = server.log().split('\n').filter((l) => /"level":(50|60)/.test(l));
      assert.deepEqual(errors, [], 'nothing logged at error level');
      for (const [name, lib] of libraries) {
        const items = (await server.api('GET', `/v1/libraries/${name}/items`)).body.Items.map((i: any) => i.PrimaryKey).sort();
        assert.deepEqual(items, [...Object.keys(lib.good), ...(saved.get(name) ?? [])].sort(), `${name} lists its good items and the saved mutants`);
        for (const [key, file] of Object.entries(lib.good)) {
          const r = await server.api('POST', '/v1/jobs', { Library: name, Mode: 'nosave', Input: { Type: 'Path', Source: file } });
          const job = await waitForJob(server, r.body.JobId, BOUND_MS);
          const found = (await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body.Matches?.map((x: any) => x.PrimaryKey) ?? [];
          assert.ok(found.includes(key), `searching ${key} in ${name} finds it: ${JSON.stringify(job)} ${found}`);
        }
      }
    });
  });
});
