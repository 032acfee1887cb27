import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, openSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ffmpeg, media, ROOT, tempDir, vdna, type CliResult } from './helpers.js';

const tmp = tempDir('vdna-cli-');
const data = join(tmp.path, 'data');
const run = (...args: string[]): CliResult => vdna(['--data', data, ...args]);

const LIBRARY = {
  bottle: media('video/intel_bottle-detection.mp4'),
  sintel: media('video/zwm_sintel_10s.mp4'),
  tupi: media('video/tupi_example_animation.avi'),
};

function listKeys(library = 'films'): string[] {
  const r = run('list', library, '--json');
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { Items: Array<{ PrimaryKey: string }> }).Items.map((i) => i.PrimaryKey).sort();
}

/** A bad-input run: non-zero exit, one error line naming the code, and nothing changed. */
function assertRefused(r: CliResult, code: string, keysBefore: string[]): void {
  assert.notEqual(r.status, 0, `expected failure, got: ${r.stdout}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one error line expected, got:\n${r.stderr}`);
  assert.match(lines[0], new RegExp(`^vdna: error: .*\\[${code}\\]$`));
  assert.equal(r.stdout, '');
  assert.deepEqual(listKeys(), keysBefore);
}

describe('vdna CLI on real media', () => {
  before(() => {
    for (const [key, path] of Object.entries(LIBRARY)) {
      const r = run('add', 'films', path, '--key', key);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`added "${key}" to films`));
    }
  });
  after(() => tmp.cleanup());

  it('lists libraries and items', () => {
    assert.deepEqual(listKeys(), ['bottle', 'sintel', 'tupi']);
    const libs = run('libraries', '--json');
    const parsed = JSON.parse(libs.stdout) as { Libraries: Array<{ Name: string; ItemCount: number; Duration: number }> };
    assert.equal(parsed.Libraries.length, 1);
    assert.equal(parsed.Libraries[0].Name, 'films');
    assert.equal(parsed.Libraries[0].ItemCount, 3);
    assert.ok(Math.abs(parsed.Libraries[0].Duration - 60) < 2, `stored duration ${parsed.Libraries[0].Duration}`);
    const table = run('list', 'films');
    assert.match(table.stdout, /^key\s+seconds\s+frames/);
    assert.match(table.stdout, /bottle\s+39\.\d/);
  });

  it('finds a mirrored, resized, re-encoded excerpt embedded in another video, with its times', () => {
    const query = join(tmp.path, 'embedded.mp4');
    // 4 s of an unrelated clip, then bottle-detection 12..24 s mirrored and shrunk, then 4 s more.
    ffmpeg([
      '-i', media('video/mdn_friday.mp4'), '-i', LIBRARY.bottle,
      '-filter_complex',
      '[0:v]fps=25,split[h1][h2];[h1]trim=0:4,setpts=PTS-STARTPTS,scale=480:270,setsar=1[a];' +
        '[1:v]fps=25,trim=12:24,setpts=PTS-STARTPTS,hflip,scale=480:270,setsar=1[b];' +
        '[h2]trim=2:6,setpts=PTS-STARTPTS,scale=480:270,setsar=1[c];[a][b][c]concat=n=3:v=1:a=0[v]',
      '-map', '[v]', '-c:v', 'libx264', '-crf', '30', '-an', query,
    ]);
    const r = run('search', 'films', query, '--json');
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { Matches: Array<{ PrimaryKey: string; GlobalSimilarity: number; VideoMatchSegments: Array<Record<string, number>> }> };
    assert.deepEqual(result.Matches.map((m) => m.PrimaryKey), ['bottle']);
    const [match] = result.Matches;
    assert.ok(match.GlobalSimilarity > 0.6 && match.GlobalSimilarity <= 1);
    assert.equal(match.VideoMatchSegments.length, 1);
    const s = match.VideoMatchSegments[0];
    assert.ok(Math.abs(s.StartTime - 4) <= 1, `StartTime ${s.StartTime}`);
    assert.ok(Math.abs(s.EndTime - 16) <= 1, `EndTime ${s.EndTime}`);
    assert.ok(Math.abs(s.MasterStartTime - 12) <= 1, `MasterStartTime ${s.MasterStartTime}`);
    assert.ok(Math.abs(s.MasterEndTime - 24) <= 1, `MasterEndTime ${s.MasterEndTime}`);

    const table = run('search', 'films', query);
    assert.equal(table.status, 0);
    assert.match(table.stdout, /bottle\s+0\.\d+\s+video\s+0:0[34]\.\d+-0:1[56]\.\d+\s+0:1[12]\.\d+-0:2[34]\.\d+/);
  });

  it('reports no match for unrelated media', () => {
    const r = run('search', 'films', media('video/mdn_flower.webm'), '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { Matches: [] });
    assert.equal(run('search', 'films', media('video/mdn_flower.webm')).stdout, 'no match\n');
  });

  it('refuses a duplicate key unless forced', () => {
    const before = listKeys();
    assertRefused(run('add', 'films', LIBRARY.tupi, '--key', 'sintel'), 'DUPLICATE_KEY', before);
    const forced = run('add', 'films', LIBRARY.sintel, '--key', 'sintel', '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.deepEqual(listKeys(), before);
  });

  it('refuses bad input with one clear line and changes nothing', () => {
    const before = listKeys();
    const text = join(tmp.path, 'notes.mp4');
    writeFileSync(text, 'this is not a video\n');
    const empty = join(tmp.path, 'empty.mp4');
    writeFileSync(empty, '');

    // A complete file with its index first, cut to 40 %: the container promises more than there is.
    const whole = join(tmp.path, 'whole.mp4');
    ffmpeg(['-i', LIBRARY.bottle, '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-movflags', '+faststart', '-an', whole]);
    const truncated = join(tmp.path, 'truncated.mp4');
    writeFileSync(truncated, readFileSync(whole).subarray(0, Math.floor(statSync(whole).size * 0.4)));
    // The same file with garbage written over stretches of its picture data.
    const corrupt = join(tmp.path, 'corrupt.mp4');
    copyFileSync(whole, corrupt);
    const fd = openSync(corrupt, 'r+');
    const size = statSync(corrupt).size;
    for (let k = 0; k < 40; k++) writeSync(fd, Buffer.alloc(2000, (k * 37) & 0xff), 0, 2000, Math.floor(size * 0.1) + k * Math.floor(size * 0.02));
    closeSync(fd);

    // Duration bombs: 1.5 KB claiming 10 hours of picture (two frames 10 h apart), 4 KB claiming 7 hours of sound.
    const bomb = join(tmp.path, 'bomb.mkv');
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:s=64x64:r=1:d=2', '-vf', 'setpts=N*36000/TB', '-vsync', 'passthrough', '-c:v', 'libx264', '-g', '1', bomb]);
    const soundBomb = join(tmp.path, 'sound-bomb.mka');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=d=0.1', '-af', 'asetpts=N*8/TB', '-c:a', 'libvorbis', soundBomb]);

    // A frame-rate bomb (1000 fps) and a stream bomb (41 streams).
    const fast = join(tmp.path, 'fast.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:s=64x64:r=1000:d=1', '-c:v', 'libx264', fast]);
    const many = join(tmp.path, 'many.mkv');
    const sines = Array.from({ length: 40 }, () => ['-f', 'lavfi', '-i', 'sine=d=1']).flat();
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:s=64x64:d=1', ...sines, ...Array.from({ length: 41 }, (_, i) => ['-map', String(i)]).flat(), '-c:v', 'libx264', '-c:a', 'aac', many]);

    assertRefused(run('add', 'films', fast, '--key', 'x'), 'TOO_LARGE', before);
    assertRefused(run('add', 'films', many, '--key', 'x'), 'TOO_LARGE', before);
    assertRefused(run('add', 'films', bomb, '--key', 'x'), 'IMPLAUSIBLE_DURATION', before);
    assertRefused(run('search', 'films', soundBomb), 'IMPLAUSIBLE_DURATION', before);
    assertRefused(run('add', 'films', join(tmp.path, 'missing.mp4'), '--key', 'x'), 'FILE_NOT_FOUND', before);
    assertRefused(run('add', 'films', text, '--key', 'x'), 'NOT_MEDIA', before);
    assertRefused(run('add', 'films', empty, '--key', 'x'), 'NOT_MEDIA', before);
    assertRefused(run('add', 'films', truncated, '--key', 'x'), 'TRUNCATED_MEDIA', before);
    assertRefused(run('add', 'films', corrupt, '--key', 'x'), 'CORRUPT_MEDIA', before);
    assertRefused(run('add', 'films', media('audio/whisper_jfk.flac'), '--key', 'x'), 'NO_VIDEO_STREAM', before);
    assertRefused(run('search', 'films', text), 'NOT_MEDIA', before);
    assertRefused(run('search', 'nosuchlibrary', LIBRARY.tupi), 'UNKNOWN_LIBRARY', before);
    assertRefused(run('list', 'nosuchlibrary'), 'UNKNOWN_LIBRARY', before);
    assertRefused(run('remove', 'films', '--key', 'nosuchkey'), 'UNKNOWN_KEY', before);
    assertRefused(run('add', 'bad/name', LIBRARY.tupi, '--key', 'x'), 'INVALID_ARGUMENT', before);
    // Nothing created a library on the way.
    assert.deepEqual((JSON.parse(run('libraries', '--json').stdout) as { Libraries: Array<{ Name: string }> }).Libraries.map((l) => l.Name), ['films']);
  });

  it('a kill during add leaves no half-stored item', async () => {
    const before = listKeys();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vdna.js'), '--data', data, 'add', 'films', media('video/openboard_wannaworktogether.mp4'), '--key', 'killed'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    assert.deepEqual(listKeys(), before);
    const db = new Database(join(data, 'vdna.sqlite'), { readonly: true });
    try {
      assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    } finally {
      db.close();
    }
    const again = run('add', 'films', LIBRARY.tupi, '--key', 'killed');
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(listKeys(), [...before, 'killed'].sort());
  });

  it('removes an item', () => {
    const r = run('remove', 'films', '--key', 'killed');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!listKeys().includes('killed'));
  });
});
