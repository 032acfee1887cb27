import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { captionFilter, groundTruth, videoFrames } from '../bench/tagging-ocr.js';
import { CaptionTracker, readingDistance, textBlocks } from '../src/tagging/captions.js';
import { hasExtra } from '../src/tagging/extras.js';
import { readImage } from '../src/tagging/image.js';
import { createOcrEngine, type PaddleOcrEngine } from '../src/tagging/ocr.js';
import { characterErrorRate, editDistance, wordErrorRate } from '../src/tagging/text-metrics.js';
import type { TextLine } from '../src/tagging/types.js';
import { ffmpeg, media, tempDir } from './helpers.js';

const line = (text: string, y = 300, score = 0.95, x = 100, width = 400, height = 30): TextLine => ({ text, score, box: { x, y, width, height } });

describe('text metrics', () => {
  test('edit distance counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance(['a', 'b'], ['a', 'b']), 0);
  });

  test('error rates ignore case and spacing; WER ignores punctuation', () => {
    assert.equal(characterErrorRate('Hello  World', 'hello world'), 0);
    assert.equal(characterErrorRate('abcd', 'abXd'), 0.25);
    assert.equal(characterErrorRate('über', 'uber'), 0.25);
    assert.equal(wordErrorRate('The quick, brown fox.', 'the quick brown fox'), 0);
    assert.equal(wordErrorRate('the quick brown fox', 'the quack brown'), 0.5);
    assert.equal(wordErrorRate("don't stop", 'dont stop'), 0.5);
    assert.equal(wordErrorRate('', ''), 0);
    assert.equal(wordErrorRate('', 'noise'), 1);
  });
});

describe('caption tracking', () => {
  test('one caption over 40 frames is one entry, despite a flickering character and one missed frame', () => {
    const tracker = new CaptionTracker();
    for (let i = 0; i < 40; i++) {
      const reading = i % 7 === 3 ? 'Welcome to Amsterdarn' : i % 5 === 2 ? 'welcome  to Amsterdam' : 'Welcome to Amsterdam';
      tracker.add(10 + i * 0.5, i === 20 ? [] : [line(reading)]);
    }
    tracker.add(30, []);
    tracker.add(30.5, []);
    assert.deepEqual(tracker.finish(60), [{ text: 'Welcome to Amsterdam', start: 10, end: 30 }]);
  });

  test('two captions in sequence, and one that comes back later, are separate entries', () => {
    const tracker = new CaptionTracker();
    const frames: Array<[number, string[]]> = [
      [0, []],
      [1, ['First caption']],
      [2, ['First caption']],
      [3, ['Second caption here']],
      [4, ['Second caption here']],
      [5, []],
      [6, []],
      [7, ['First caption']],
    ];
    for (const [time, texts] of frames) tracker.add(time, texts.map((t) => line(t)));
    assert.deepEqual(tracker.finish(9), [
      { text: 'First caption', start: 1, end: 3 },
      { text: 'Second caption here', start: 3, end: 5 },
      { text: 'First caption', start: 7, end: 9 },
    ]);
  });

  test('the lines of a two-line subtitle read as one caption; a title elsewhere stays apart; junk is dropped', () => {
    const frame = [line('on two lines', 335), line('A subtitle', 300), line('CHANNEL 4', 20, 0.99, 500, 100, 20), line('x', 200), line('blurry words', 250, 0.3)];
    const blocks = textBlocks(frame.slice(0, 3));
    assert.deepEqual(blocks.map((b) => b.text), ['CHANNEL 4', 'A subtitle on two lines']);
    assert.deepEqual(blocks[1].box, { x: 100, y: 300, width: 400, height: 65 });
    const tracker = new CaptionTracker();
    tracker.add(0, frame);
    assert.deepEqual(tracker.finish(1).map((c) => c.text), ['CHANNEL 4', 'A subtitle on two lines']);
  });

  test('readings compare up to OCR noise, not across different captions', () => {
    assert.equal(readingDistance('Hello World', 'hello  world'), 0);
    assert.ok(readingDistance('Welcome to Amsterdam', 'Welcome to Arnsterdam') <= 0.25);
    assert.ok(readingDistance('First caption', 'Second caption here') > 0.25);
  });
});

describe('OCR on real pictures and video', { skip: !hasExtra('@gutenye/ocr-node') && 'the tagging part is not installed' }, () => {
  let engine: PaddleOcrEngine;
  before(async () => {
    const handlers = process.listenerCount('unhandledRejection');
    engine = await createOcrEngine();
    assert.equal(process.listenerCount('unhandledRejection'), handlers, 'loading the OCR must not leave crash handlers behind');
  });
  after(() => engine?.close());

  const readText = async (file: string) => (await engine.read(await readImage(media(`ocr/${file}`)))).map((l) => l.text).join('\n');

  test('clean print reads almost without error, with boxes on the lines', async () => {
    const frame = await readImage(media('ocr/tesseract_phototest.tif'));
    const lines = await engine.read(frame);
    const cer = characterErrorRate(groundTruth('tesseract_phototest.tif')!, lines.map((l) => l.text).join('\n'));
    assert.ok(cer <= 0.03, `CER ${cer}`);
    assert.equal(lines.length, 8);
    for (const [i, l] of lines.entries()) {
      assert.ok(l.score > 0.8 && l.score <= 1, `score ${l.score}`);
      assert.ok(l.box.x >= 0 && l.box.y >= 0 && l.box.x + l.box.width <= frame.width && l.box.y + l.box.height <= frame.height);
      assert.ok(l.box.height > 15 && l.box.height < 45 && l.box.width > 150, JSON.stringify(l.box));
      if (i > 0) assert.ok(l.box.y > lines[i - 1].box.y, 'lines come top to bottom');
    }
  });

  test('a scanned book paragraph and multilingual print read with few errors', async () => {
    const book = characterErrorRate(groundTruth('opencv_imageTextN.png')!, await readText('opencv_imageTextN.png'));
    assert.ok(book <= 0.03, `book CER ${book}`);
    const euro = characterErrorRate(groundTruth('tesseract_eurotext.tif')!, await readText('tesseract_eurotext.tif'));
    assert.ok(euro <= 0.06, `eurotext CER ${euro}`);
  });

  test('the pre-check finds text on print and none on a blurred page or on film frames without captions', async () => {
    assert.equal(await engine.mayHaveText(await readImage(media('ocr/tesseract_phototest.tif'))), true);
    assert.equal(await engine.mayHaveText(await readImage(media('ocr/opencv_text_defocus.jpg'))), false);
    for (const film of videoFrames(media('video/zwm_tears_of_steel_10s.mp4'), { fps: 1, width: 640, height: 360 })) {
      assert.equal(await engine.mayHaveText(film), false, `film frame at ${film.time} s`);
    }
  });

  test('captions burnt into a real clip come out with their times', async () => {
    const shown = [
      { text: 'Welcome to Amsterdam', start: 1, end: 3.5 },
      { text: 'The robots are coming', start: 5, end: 8 },
    ];
    const dir = tempDir();
    try {
      const clip = `${dir.path}/captioned.mp4`;
      const burn = shown.map((c) => captionFilter(c.text, c.start, c.end)).join(',');
      ffmpeg(['-i', media('video/zwm_tears_of_steel_10s.mp4'), '-vf', burn, '-c:v', 'libx264', '-preset', 'veryfast', '-an', clip]);
      const tracker = new CaptionTracker();
      for (const frame of videoFrames(clip, { fps: 2, width: 640, height: 360 })) {
        tracker.add(frame.time, (await engine.mayHaveText(frame)) ? await engine.read(frame) : []);
      }
      const found = tracker.finish(10);
      assert.equal(found.length, shown.length, JSON.stringify(found));
      found.forEach((caption, i) => {
        assert.ok(characterErrorRate(shown[i].text, caption.text) <= 0.1, caption.text);
        assert.ok(Math.abs(caption.start - shown[i].start) <= 0.6 && Math.abs(caption.end - shown[i].end) <= 0.6, JSON.stringify(caption));
      });
    } finally {
      dir.cleanup();
    }
  });
});
