/**
 * Near-duplicate negatives of npm run bench:accuracy: pairs that look alike without being copies.
 * A library of the first part of each of the split's videos, every item opening on the same title
 * card and carrying the same corner logo (a channel's uploads); queries are the last part of each
 * video (another scene of the same film), with the same card and logo, black seconds and a frozen
 * frame, and short clips outside the corpus halves wearing the same card and logo. Only the card is
 * truly shared: a match may cover it, and any matched second beyond it between different films is a
 * false match.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { tools } from '../src/media/ffmpeg.js';
import { probe } from '../src/media/probe.js';
import { FINGERPRINT_VERSION, Vdna } from '../src/vdna.js';
import { shortVideos, splitVideos, video, type Split } from './corpus.js';
import { OUT } from './paths.js';
import { mapLimit } from './pool.js';

const run = promisify(execFile);

/** Seconds of the shared title card that opens every item and query. */
export const CARD_SECONDS = 3;
/** A matched stretch may overrun the card by this much (a segment's ends are a frame or two loose). */
const TOLERANCE = 1;

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const text = (t: string, size: string, y: string, x = '(w-tw)/2') => (existsSync(FONT) ? `,drawtext=fontfile=${FONT}:text='${t}':fontsize=${size}:fontcolor=white:x=${x}:y=${y}` : '');
/** The channel's title card: the same for every upload. */
const CARD = `color=c=0x1d3557:s=640x360:d=${CARD_SECONDS}:r=25,format=yuv420p${text('VDNA ORIGINALS', '48', 'h*0.4')}${text('a film archive', '24', 'h*0.6')}`;
/** The channel's logo, in the top-left corner of everything it uploads. */
const LOGO = `drawbox=x=iw*0.03:y=ih*0.04:w=iw*0.18:h=ih*0.12:color=0xe63946@0.9:t=fill${text('vdna', 'h/14', 'h*0.06', 'w*0.05')}`;
const ENCODE = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-an'];

/** The card, then seconds [from, to) of `path`, all under the logo; with 'black-and-freeze', two black seconds and the last frame held for three. */
async function upload(path: string, from: number, to: number, out: string, tail: 'none' | 'black-and-freeze'): Promise<void> {
  if (existsSync(out)) return;
  const body = `[1:v]fps=25,trim=start=${from}:end=${to},setpts=PTS-STARTPTS,scale=640:360,setsar=1,format=yuv420p[b]`;
  const parts = ['[c]', '[b]'];
  const graph = [`${CARD}[c]`, body];
  if (tail === 'black-and-freeze') {
    graph.push(`color=c=black:s=640x360:d=2:r=25,format=yuv420p[k]`);
    graph.push(`[1:v]fps=25,trim=start=${Math.max(from, to - 0.2)}:end=${to},setpts=PTS-STARTPTS,scale=640:360,setsar=1,format=yuv420p,tpad=stop_mode=clone:stop_duration=3[f]`);
    parts.push('[k]', '[f]');
  }
  graph.push(`${parts.join('')}concat=n=${parts.length}:v=1:a=0,${LOGO}[v]`);
  await run(tools().ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', path, '-i', path, '-filter_complex', graph.join(';'), '-map', '[v]', ...ENCODE, out]);
}

export interface NearDuplicateReport {
  library: number;
  queries: number;
  pairs: number;
  /** Pairs of different films matched somewhere beyond the shared card. */
  falseMatches: number;
  /** A film's later part matched to its first part beyond the card (in short clips the later part
   *  often continues the first one's shot: the same pictures, which a copy detector cannot tell apart). */
  sameFilm: number;
  /** Pairs matched over the card alone (allowed: those seconds are truly shared). */
  cardOnly: number;
  details: string[];
}

export async function evaluateNearDuplicates(split: Split, log = (s: string) => process.stderr.write(s)): Promise<NearDuplicateReport> {
  const dir = join(OUT, split, 'near-duplicates');
  mkdirSync(join(dir, 'media'), { recursive: true });
  const vdna = new Vdna({ dataDir: join(dir, 'data') });
  const library = `near-duplicates-${split}`;
  try {
    const names = splitVideos(split);
    const durations = await Promise.all(names.map(async (n) => (await probe(video(n))).duration));
    const stored = new Set(
      (await vdna.libraries()).some((l) => l.name === library)
        ? (await vdna.list(library)).filter((i) => i.fingerprintVersion === FINGERPRINT_VERSION).map((i) => i.key)
        : [],
    );
    log(`  near-duplicates: ${names.length} items, ${names.length + shortVideos().length} queries\n`);
    await mapLimit(names, 2, async (name, i) => {
      const item = join(dir, 'media', `item__${basename(name)}.mp4`);
      await upload(video(name), 0, durations[i] * 0.45, item, 'none');
      if (!stored.has(name)) await vdna.add(library, item, name, { force: true });
    });
    const queries = await mapLimit([...names, ...shortVideos()], 2, async (name, i) => {
      const out = join(dir, 'media', `query__${basename(name)}.mp4`);
      const d = durations[i] ?? (await probe(video(name))).duration;
      // Another scene of a library film, or a clip the library does not hold at all.
      await upload(video(name), i < names.length ? d * 0.55 : 0, d, out, 'black-and-freeze');
      return { name, out };
    });
    const report: NearDuplicateReport = { library: names.length, queries: queries.length, pairs: queries.length * names.length, falseMatches: 0, sameFilm: 0, cardOnly: 0, details: [] };
    for (const q of queries) {
      const { Matches } = await vdna.search(library, q.out);
      for (const m of Matches) {
        const beyond = m.VideoMatchSegments.filter((s) => s.EndTime > CARD_SECONDS + TOLERANCE || s.MasterEndTime > CARD_SECONDS + TOLERANCE);
        if (beyond.length === 0) {
          report.cardOnly++;
          continue;
        }
        const same = m.PrimaryKey === q.name;
        if (same) report.sameFilm++;
        else report.falseMatches++;
        const s = beyond[0];
        report.details.push(`${same ? 'same film' : 'FALSE'} ${q.name} -> ${m.PrimaryKey}: query ${s.StartTime}-${s.EndTime} s, master ${s.MasterStartTime}-${s.MasterEndTime} s, similarity ${s.Similarity}`);
      }
    }
    return report;
  } finally {
    await vdna.close();
  }
}
