import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VdnaError } from '../errors.js';
import { tools } from '../media/ffmpeg.js';
import type { Vdna } from '../vdna.js';
import { mediaProgress } from './progress.js';

/** Clips of ../shared/media/video that the demo library is made of. */
const CLIPS = ['openboard_wannaworktogether.mp4', 'moviepy_big_buck_bunny_0_30.webm', 'zwm_sintel_10s.mp4', 'intel_car-detection.mp4', 'fillets_intro.mpg'];

export function defaultDemoMedia(): string {
  return resolve(process.cwd(), '..', 'shared', 'media', 'video');
}

/**
 * The main job end to end: a library from real clips, a pirated copy made with ffmpeg (an excerpt,
 * mirrored, letterboxed, recoloured and re-encoded, buried in another video), and the search that
 * finds it.
 */
export async function runDemo(vdna: Vdna, mediaDir: string, out: (s: string) => void): Promise<string> {
  const clips = CLIPS.map((c) => join(mediaDir, c));
  const missing = clips.filter((c) => !existsSync(c));
  if (missing.length) throw new VdnaError('FILE_NOT_FOUND', `demo media missing (${missing[0]}); pass --media DIR with the shared video clips`);
  const library = 'demo';
  const have = new Set(vdna.libraries().some((l) => l.name === library) ? vdna.list(library).map((i) => i.key) : []);
  out(`1. Library "${library}": fingerprinting ${clips.length} real videos\n`);
  for (const clip of clips) {
    const key = clip.split('/').pop()!.replace(/\.[^.]+$/, '');
    if (have.has(key)) {
      out(`   ${key} (already stored)\n`);
      continue;
    }
    const bar = mediaProgress(`   ${key}`);
    const item = await vdna.add(library, clip, key, { onProgress: bar.update });
    bar.stop();
    out(`   ${key}: ${item.duration.toFixed(1)} s, ${item.count} frames\n`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vdna-demo-'));
  try {
    const query = join(dir, 'copy.mp4');
    out('2. A copy made with ffmpeg: 8 s of mdn_friday, then openboard_wannaworktogether 60-90 s mirrored,\n' +
      '   letterboxed, recoloured and re-encoded at low quality, then 8 s of mdn_flower\n');
    const host1 = join(mediaDir, 'mdn_friday.mp4');
    const host2 = join(mediaDir, 'mdn_flower.webm');
    execFileSync(tools().ffmpeg.path, [
      '-hide_banner', '-nostdin', '-v', 'error', '-y',
      '-i', clips[0], '-stream_loop', '2', '-i', host1, '-stream_loop', '2', '-i', host2,
      '-filter_complex',
      '[1:v]fps=25,trim=0:8,setpts=PTS-STARTPTS,scale=640:480,setsar=1[a];' +
        '[0:v]fps=25,trim=60:90,setpts=PTS-STARTPTS,hflip,eq=saturation=1.5:brightness=0.06,scale=640:360,pad=640:480:0:60,setsar=1[b];' +
        '[2:v]fps=25,trim=0:8,setpts=PTS-STARTPTS,scale=640:480,setsar=1[c];[a][b][c]concat=n=3:v=1:a=0[v]',
      '-map', '[v]', '-c:v', 'libx264', '-crf', '32', '-an', query,
    ]);
    out(`3. vdna search ${library} ${query}\n`);
    const bar = mediaProgress('   search');
    const result = await vdna.search(library, query, { onProgress: bar.update });
    bar.stop();
    return JSON.stringify(result, null, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
