/**
 * Tag times: captions burnt into real clips at known times, read back by the whole tagging pipeline
 * (its decode pass: a frame where the picture changed and at least every 2 s), scored by how far each
 * caption's reported start and end lie from the truth, and whether its text came back.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tools } from '../src/media/ffmpeg.js';
import { tagMedia } from '../src/tagging/pipeline.js';
import { characterErrorRate } from '../src/tagging/text-metrics.js';
import { video } from './corpus.js';
import { captionFilter } from './tagging-ocr.js';

interface Shown {
  text: string;
  start: number;
  end: number;
}

const CASES: Array<{ clip: string; captions: Shown[] }> = [
  {
    clip: 'zwm_tears_of_steel_10s.mp4',
    captions: [
      { text: 'Welcome to Amsterdam', start: 0.5, end: 3.2 },
      { text: 'The robots are coming', start: 4.6, end: 7.9 },
    ],
  },
  {
    clip: 'zwm_caminandes_10s.mp4',
    captions: [
      { text: 'A llama crosses the road', start: 1.3, end: 4.1 },
      { text: 'Nobody saw him again', start: 6.2, end: 9.5 },
    ],
  },
  {
    clip: 'moviepy_big_buck_bunny_0_30.webm',
    captions: [
      { text: 'Once upon a time in the forest', start: 2, end: 6.5 },
      { text: 'a rabbit woke up hungry', start: 11.4, end: 13.2 },
      { text: 'and the birds were laughing', start: 20.7, end: 27 },
    ],
  },
];

const dir = mkdtempSync(join(tmpdir(), 'vdna-times-'));
const rows: Array<Record<string, string | number>> = [];
try {
  for (const { clip, captions } of CASES) {
    const path = join(dir, `${clip}.mp4`);
    const burn = captions.map((c) => captionFilter(c.text, c.start, c.end)).join(',');
    execFileSync(tools().ffmpeg.path, ['-v', 'error', '-i', video(clip), '-vf', burn, '-c:v', 'libx264', '-preset', 'veryfast', '-an', '-y', path]);
    const { ocr } = await tagMedia(path, { types: ['ocr'] });
    for (const shown of captions) {
      // The reported line that reads most like the caption.
      const best = ocr.map((o) => ({ o, cer: characterErrorRate(shown.text, o.text) })).sort((a, b) => a.cer - b.cer)[0];
      const found = best && best.cer <= 0.25 ? best.o : undefined;
      rows.push({
        clip,
        caption: shown.text,
        shown: `${shown.start}-${shown.end}`,
        reported: found ? `${found.start.toFixed(2)}-${found.end.toFixed(2)}` : 'missed',
        startError: found ? Number(Math.abs(found.start - shown.start).toFixed(2)) : NaN,
        endError: found ? Number(Math.abs(found.end - shown.end).toFixed(2)) : NaN,
        cer: best ? Number(best.cer.toFixed(3)) : NaN,
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('Tag times (captions burnt in at known times, read back by the tagging pipeline, OCR only):');
console.table(rows);
const errors = rows.filter((r) => r.reported !== 'missed').flatMap((r) => [r.startError as number, r.endError as number]);
const found = rows.filter((r) => r.reported !== 'missed').length;
console.log(
  `found ${found}/${rows.length} captions; start/end error mean ${(errors.reduce((a, b) => a + b, 0) / Math.max(1, errors.length)).toFixed(2)} s, max ${Math.max(...errors).toFixed(2)} s`,
);
