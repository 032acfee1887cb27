import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VdnaError } from '../errors.js';
import { tools } from '../media/ffmpeg.js';
import type { Caller } from '../access/caller.js';
import type { LibraryService } from '../services/library-service.js';
import type { JobView } from '../views/native.js';
import type { ServiceClient } from './client.js';
import { mediaProgress } from './progress.js';

/** Clips of ../shared/media/video that the demo library is made of. */
const CLIPS = ['openboard_wannaworktogether.mp4', 'moviepy_big_buck_bunny_0_30.webm', 'zwm_sintel_10s.mp4', 'intel_car-detection.mp4', 'fillets_intro.mpg'];

export function defaultDemoMedia(): string {
  return resolve(process.cwd(), '..', 'shared', 'media', 'video');
}

/** The demo's library clips (paths), checked to exist. */
function demoClips(mediaDir: string): string[] {
  const clips = CLIPS.map((c) => join(mediaDir, c));
  const missing = clips.filter((c) => !existsSync(c));
  if (missing.length) throw new VdnaError('FILE_NOT_FOUND', `demo media missing (${missing[0]}); pass --media DIR with the shared video clips`);
  return clips;
}

const keyOf = (clip: string) => clip.split('/').pop()!.replace(/\.[^.]+$/, '');

/**
 * A pirated copy made with ffmpeg in `dir`: 8 s of mdn_friday, then openboard_wannaworktogether
 * 60-90 s mirrored, letterboxed, recoloured and re-encoded at low quality, then 8 s of mdn_flower.
 */
function makeCopy(mediaDir: string, dir: string, out: (s: string) => void): string {
  const query = join(dir, 'copy.mp4');
  out('2. A copy made with ffmpeg: 8 s of mdn_friday, then openboard_wannaworktogether 60-90 s mirrored,\n' +
    '   letterboxed, recoloured and re-encoded at low quality, then 8 s of mdn_flower\n');
  execFileSync(tools().ffmpeg.path, [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-i', join(mediaDir, CLIPS[0]), '-stream_loop', '2', '-i', join(mediaDir, 'mdn_friday.mp4'), '-stream_loop', '2', '-i', join(mediaDir, 'mdn_flower.webm'),
    '-filter_complex',
    '[1:v]fps=25,trim=0:8,setpts=PTS-STARTPTS,scale=640:480,setsar=1[a];' +
      '[0:v]fps=25,trim=60:90,setpts=PTS-STARTPTS,hflip,eq=saturation=1.5:brightness=0.06,scale=640:360,pad=640:480:0:60,setsar=1[b];' +
      '[2:v]fps=25,trim=0:8,setpts=PTS-STARTPTS,scale=640:480,setsar=1[c];[a][b][c]concat=n=3:v=1:a=0[v]',
    '-map', '[v]', '-c:v', 'libx264', '-crf', '32', '-an', query,
  ]);
  return query;
}

/** Runs `body` with a scratch directory, removed afterwards. */
async function withScratch<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'vdna-demo-'));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const DEMO_LIBRARY = 'demo';

/** The main job end to end on the library API: the demo library, the copy, and the search that finds it. */
export async function runDemo(libraries: LibraryService, caller: Caller, mediaDir: string, out: (s: string) => void): Promise<string> {
  const clips = demoClips(mediaDir);
  const exists = (await libraries.list(caller)).some((l) => l.name === DEMO_LIBRARY);
  const have = new Set(exists ? (await libraries.allItems(caller, DEMO_LIBRARY)).map((i) => i.key) : []);
  out(`1. Library "${DEMO_LIBRARY}": fingerprinting ${clips.length} real videos\n`);
  for (const clip of clips) {
    const key = keyOf(clip);
    if (have.has(key)) {
      out(`   ${key} (already stored)\n`);
      continue;
    }
    const bar = mediaProgress(`   ${key}`);
    const item = await libraries.add(caller, DEMO_LIBRARY, clip, key, { onProgress: bar.update });
    bar.stop();
    out(`   ${key}: ${item.duration.toFixed(1)} s, ${item.count} frames\n`);
  }
  return withScratch(async (dir) => {
    const query = makeCopy(mediaDir, dir, out);
    out(`3. vdna search ${DEMO_LIBRARY} ${query}\n`);
    const bar = mediaProgress('   search');
    const result = { Matches: await libraries.search(caller, DEMO_LIBRARY, query, { onProgress: bar.update }) };
    bar.stop();
    return JSON.stringify(result, null, 2);
  });
}

/**
 * The same job through a running service, as a client would do it: uploads as onlysave jobs, then a
 * search job on the copy. Returns the search job's id.
 */
export async function runServiceDemo(client: ServiceClient, mediaDir: string, out: (s: string) => void, watch: (id: string) => Promise<JobView>): Promise<JobView> {
  const clips = demoClips(mediaDir);
  const libs = await client.request<{ Libraries: Array<{ Name: string }> }>('GET', '/v1/libraries');
  if (!libs.Libraries.some((l) => l.Name === DEMO_LIBRARY)) {
    await client.request('POST', '/v1/libraries', { Name: DEMO_LIBRARY, Description: 'vdna serve --demo' });
  }
  const items = await client.request<{ Items: Array<{ PrimaryKey: string }> }>('GET', `/v1/libraries/${DEMO_LIBRARY}/items?Limit=1000`);
  const have = new Set(items.Items.map((i) => i.PrimaryKey));
  out(`1. Library "${DEMO_LIBRARY}": ${clips.length} real videos uploaded as onlysave jobs\n`);
  for (const clip of clips) {
    const key = keyOf(clip);
    if (have.has(key)) {
      out(`   ${key} (already stored)\n`);
      continue;
    }
    const job = await watch((await client.submit({ Library: DEMO_LIBRARY, Mode: 'onlysave', PrimaryKey: key }, { file: clip })).JobId);
    if (job.State !== 'Success') throw new VdnaError('INVALID_ARGUMENT', `demo job ${job.JobId} ${job.State}: ${job.Message}`);
    out(`   ${key}: job ${job.JobId} ${job.State}\n`);
  }
  return withScratch(async (dir) => {
    const query = makeCopy(mediaDir, dir, out);
    out('3. A search job (nosave) on the uploaded copy\n');
    return watch((await client.submit({ Library: DEMO_LIBRARY, Mode: 'nosave', UserData: 'demo' }, { file: query })).JobId);
  });
}
