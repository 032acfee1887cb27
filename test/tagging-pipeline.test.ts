/** `vdna tag`: every analyser on one real clip through one decode pass, in the clouds' result shape. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { media, tempDir, vdna } from './helpers.js';

const CLIP = media('video/forensics_movie-hello.mp4'); // a terminal saying "Hello world...", a webcam face, speech
const tmp = tempDir();
after(() => tmp.cleanup());
const DATA = join(tmp.path, 'data');

test('vdna tag --json: text on screen, a face, speech and keywords with millisecond times', () => {
  const r = vdna(['--data', DATA, 'tag', CLIP, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(result).sort(), ['Asr', 'Category', 'Keyword', 'Location', 'Ocr', 'Person']);
  const hello = result.Ocr.find((o: { Text: string }) => /hello world/i.test(o.Text));
  assert.ok(hello, JSON.stringify(result.Ocr));
  assert.ok(hello.Start < 1000 && hello.End > 7000, 'the title stays on screen the whole clip');
  assert.ok(result.Person.length >= 1 && result.Person[0].Times.every((t: string) => /^\d+$/.test(t)));
  assert.ok(result.Asr.length >= 1 && result.Asr.every((a: { Start: number; End: number }) => a.Start < a.End && a.End <= 8400));
  assert.ok(result.Keyword.some((k: { Tag: string }) => k.Tag.toLowerCase() === 'hello'), JSON.stringify(result.Keyword.map((k: { Tag: string }) => k.Tag)));
  assert.ok(result.Category.some((c: { Tag: string }) => c.Tag === 'person'));
});

test('vdna tag: an analyser that cannot run here is reported, not fatal; an unknown one is refused', () => {
  const r = vdna(['--data', DATA, 'tag', CLIP, '--types', 'asr', '--json'], { PATH: '/nonexistent' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).Unavailable?.map((u: { Type: string }) => u.Type), ['ASR']);
  const bad = vdna(['--data', DATA, 'tag', CLIP, '--types', 'ocr,telepathy']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown analyser "telepathy".*\[INVALID_ARGUMENT\]/);
});

test('vdna doctor says which tagging parts are installed', () => {
  const installed = vdna(['doctor']);
  assert.equal(installed.status, 0, installed.stderr);
  assert.match(installed.stdout, /^tagging ocr: yes$/m);
  assert.match(installed.stdout, /^tagging asr: yes \(pocketsphinx/m);
  // A lean install (no tagging part) is told how to add it; tagging then refuses clearly.
  const lean = vdna(['doctor'], { VDNA_TAGGING_DIR: '/nonexistent', PATH: '/nonexistent' });
  assert.match(lean.stdout, /^tagging face: NO \(npm run setup:tagging\)$/m);
  assert.match(lean.stdout, /^tagging asr: NO /m);
  const r = vdna(['--data', DATA, 'tag', CLIP, '--types', 'ocr,asr', '--json'], { VDNA_TAGGING_DIR: '/nonexistent', PATH: '/nonexistent' });
  assert.deepEqual(JSON.parse(r.stdout).Unavailable.map((u: { Type: string }) => u.Type), ['OCR', 'ASR']);
});
