/** A tagging result on a terminal: one line per tag with its times, then the text read and heard. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NewFace } from '../store/faces.js';
import type { videoTagResult } from '../views/video-tags.js';

export type VideoTagView = ReturnType<typeof videoTagResult>;

const out = (text: string) => void process.stdout.write(`${text}\n`);
const at = (times: string[]) => times.map((t) => `${(Number(t) / 1000).toFixed(1)}s`).join(' ');

export function printTags(result: VideoTagView): void {
  for (const [kind, list] of [['keyword', result.Keyword], ['location', result.Location], ['category', result.Category]] as const) {
    for (const t of list) out(`${kind.padEnd(9)} ${t.Tag}  @ ${at(t.Times)}`);
  }
  for (const p of result.Person) out(`${'person'.padEnd(9)} ${p.Tag}${p.FaceId ? ` (face ${p.FaceId})` : ''}  @ ${at(p.Times)}`);
  for (const [kind, list] of [['ocr', result.Ocr], ['asr', result.Asr]] as const) {
    for (const t of list) out(`${kind.padEnd(9)} ${(t.Start / 1000).toFixed(1)}-${(t.End / 1000).toFixed(1)}s  ${t.Text}`);
  }
  for (const u of result.Unavailable ?? []) process.stderr.write(`vdna: ${u.Type.toLowerCase()} unavailable: ${u.Reason}\n`);
}

/** Each face's thumbnail as DIR/<id>.jpg. */
export async function writeThumbnails(dir: string, faces: NewFace[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of faces) await writeFile(join(dir, `${f.id}.jpg`), f.thumbnail);
}
