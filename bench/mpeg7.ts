import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tools } from '../src/media/ffmpeg.js';
import { OUT } from './paths.js';
import type { Box } from './scoring.js';

/** Both inputs are resampled to this rate: the signature compares frame sequences. */
const RATE = 25;

/**
 * ffmpeg's MPEG-7 video signature (ISO/IEC 15938-3) in detect mode on one query-master pair:
 * the matching stretch it reports, or none.
 */
/** A file as the cache knows it: path, size and modification time (one stat). */
function stamp(path: string): [string, number, number] {
  const { size, mtimeMs } = statSync(path);
  return [path, size, mtimeMs];
}

export async function mpeg7Detect(query: string, master: string): Promise<Box[]> {
  // Kept per pair of files (by path, size and time): the signature does not change between runs.
  const id = createHash('sha1')
    .update(JSON.stringify([query, master].map(stamp)))
    .digest('hex');
  const dir = join(OUT, 'mpeg7');
  const cached = join(dir, `${id}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as Box[];
  const boxes = await signatureDetect(query, master);
  mkdirSync(dir, { recursive: true });
  writeFileSync(cached, JSON.stringify(boxes));
  return boxes;
}

function signatureDetect(query: string, master: string): Promise<Box[]> {
  const args = [
    '-hide_banner', '-nostdin', '-nostats',
    '-i', query, '-i', master,
    '-filter_complex', `[0:v]fps=${RATE}[a];[1:v]fps=${RATE}[b];[a][b]signature=nb_inputs=2:detectmode=full`,
    '-f', 'null', '-',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(tools().ffmpeg.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const boxes: Box[] = [];
      for (const m of log.matchAll(/matching of video 0 at ([\d.]+) and 1 at ([\d.]+), (\d+) frames matching/g)) {
        const q = Number(m[1]);
        const r = Number(m[2]);
        const len = Number(m[3]) / RATE;
        boxes.push({ queryStart: q, queryEnd: q + len, masterStart: r, masterEnd: r + len });
      }
      resolve(boxes);
    });
  });
}
