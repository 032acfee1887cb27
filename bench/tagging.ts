/**
 * npm run bench:tagging -- [--only speed|ocr|times|faces|speech|objects]
 *
 * Smart tagging on the real media of ../shared/media: the speed of the whole pipeline in × realtime on
 * a 720p clip with sound (every analyser, then each alone), then each analyser's own bench — OCR
 * character error rate per image, tag times of captions burnt in at known times, face identification (one registered photo per person), speech word
 * error rate on the English speech clips, object precision per label and the decode pass's speed.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ANALYSERS, tagMedia, type AnalyserName } from '../src/tagging/pipeline.js';
import { ROOT } from './paths.js';
import { video } from './corpus.js';

const CLIPS = ['moviepy_big_buck_bunny_0_30.webm', 'forensics_movie-hello.mp4'];
const PARTS: Record<string, string> = { ocr: 'tagging-ocr.js', times: 'tagging-times.js', faces: 'tagging-faces.js', speech: 'tagging-speech.js', objects: 'tagging-speed.js' };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function speed(): Promise<void> {
  const runs: Array<{ clip: string; analysers: string; seconds: number; xRealtime: number; frames: number; tags: string }> = [];
  for (const clip of CLIPS) {
    for (const types of [[...ANALYSERS], ...ANALYSERS.map((a) => [a])] as AnalyserName[][]) {
      const started = performance.now();
      const report = await tagMedia(video(clip), { types });
      const seconds = (performance.now() - started) / 1000;
      runs.push({
        clip,
        analysers: types.join(','),
        seconds,
        xRealtime: report.duration / seconds,
        frames: report.framesAnalysed,
        tags: `${report.ocr.length} ocr, ${report.asr.length} asr, ${report.persons.length} persons, ${report.categories.length} categories, ${report.keywords.length} keywords, ${report.locations.length} locations`,
      });
    }
  }
  console.log('Tagging speed (wall clock, models loaded per run, 2-core machine):');
  console.table(runs.map((r) => ({ ...r, seconds: r.seconds.toFixed(1), xRealtime: r.xRealtime.toFixed(2) })));
}

const only = arg('only');
if (!only || only === 'speed') await speed();
for (const [name, file] of Object.entries(PARTS)) {
  if (only && only !== name) continue;
  console.log(`\n== ${name} (${file})`);
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', file)], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
