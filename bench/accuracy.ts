/**
 * npm run bench:accuracy -- [--split test|tune|both] [--only audio|text|video] [--no-mpeg7] [--no-chromaprint] [--candidates auto|all|index]
 *                           [--edits REGEX]  (only the edits whose names match; unrelated queries always run) [--no-near-duplicates]
 *
 * Builds a library from one half of the real corpus, makes queries with ffmpeg edits of its videos
 * (and unrelated queries from videos outside it), searches each query against the whole library and
 * scores the segments VCSL-style per edit type; then the same pairs with ffmpeg's MPEG-7 signature.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MATCH_DEFAULTS, VIDEO_DEFAULTS } from '../src/config.js';
import { fingerprintFile, QUERY_VARIANTS, type VideoFingerprint } from '../src/fingerprint/video/fingerprint.js';
import { placedFrames } from '../src/fingerprint/media.js';
import { tools } from '../src/media/ffmpeg.js';
import { probe } from '../src/media/probe.js';
import type { AlignParams } from '../src/match/align.js';
import type { Match, QueryFrames, SearchOptions } from '../src/match/search.js';
import { withSecondLook } from '../src/match/fuse.js';
import type { PlacementVotes } from '../src/match/placements.js';
import type { LibraryIndex } from '../src/match/library-index.js';
import { FINGERPRINT_VERSION, Vdna } from '../src/vdna.js';
import { splitVideos, unrelatedVideos, video, type Split } from './corpus.js';
import { EDITS, FAMILIES, UNRELATED, UNRELATED_PIP, type Edit, type Source } from './edits.js';
import { evaluateAudio, evaluateChromaprint, prepareAudio } from './audio-accuracy.js';
import { evaluateText } from './text-accuracy.js';
import { CARD_SECONDS, evaluateNearDuplicates } from './near-duplicates.js';
import { mpeg7Detect } from './mpeg7.js';
import { mapLimit } from './pool.js';
import { OUT } from './paths.js';
import { Rows, scores, segmentBox, type Box, type Row } from './scoring.js';

const run = promisify(execFile);

export interface QueryCase {
  edit: string;
  path: string;
  /** Library key of the video the query copies; undefined for unrelated queries. */
  master?: string;
  truth: Box[];
  fp: VideoFingerprint;
  /** The query through the placements its grid found, and what found them (see lookAgain). */
  placed?: { query: QueryFrames; chosen: PlacementVotes[] };
}

export interface Prepared {
  split: Split;
  vdna: Vdna;
  library: string;
  /** The library's index, loaded once. */
  index: LibraryIndex;
  keys: string[];
  cases: QueryCase[];
}

async function source(name: string): Promise<Source> {
  const info = await probe(video(name));
  return { path: info.path, duration: info.video!.duration || info.duration, fps: info.video!.frameRate };
}

async function makeQuery(edit: Edit, src: Source, host: Source | undefined, dir: string) {
  const probeRecipe = edit.make(src, 'OUT', host);
  const tag = createHash('sha1').update(JSON.stringify(probeRecipe.args)).digest('hex').slice(0, 8);
  const slug = edit.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const out = join(dir, `${slug}__${basename(src.path).replace(/\.[^.]+$/, '')}__${tag}.mp4`);
  const recipe = edit.make(src, out, host);
  if (!existsSync(out)) await run(tools().ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...recipe.args]);
  return { path: out, truth: recipe.truth };
}

/** What a query's fingerprint depends on: the variants, the settings and the code that hashes. */
const FINGERPRINT_CODE = (() => {
  const hash = createHash('sha1').update(JSON.stringify([QUERY_VARIANTS, VIDEO_DEFAULTS]));
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '../src/fingerprint/video'), join(here, '../src/media')]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.js')).sort()) hash.update(readFileSync(join(dir, f)));
  }
  return hash.digest('hex').slice(0, 12);
})();

/** JSON of an object holding typed arrays, and back. */
const TYPED = { Uint8Array, Uint32Array } as const;
const toJson = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (v instanceof Uint8Array || v instanceof Uint32Array ? { [v.constructor.name]: Array.from(v) } : v));
const fromJson = <T>(text: string): T =>
  JSON.parse(text, (_k, v) => {
    const type = v && typeof v === 'object' ? (Object.keys(TYPED) as Array<keyof typeof TYPED>).find((t) => Array.isArray(v[t])) : undefined;
    return type ? TYPED[type].from(v[type]) : v;
  });

/** `make`'s result, kept in `file` while the code that makes it does not change. */
async function kept<T>(file: string, make: () => Promise<T>): Promise<T> {
  if (existsSync(file)) return fromJson<T>(readFileSync(file, 'utf8'));
  const value = await make();
  writeFileSync(file, toJson(value));
  return value;
}

/** A query's fingerprint, kept beside it. */
const queryFingerprint = (path: string): Promise<VideoFingerprint> =>
  kept(`${path}.${FINGERPRINT_CODE}.json`, () => fingerprintFile(path, { variants: QUERY_VARIANTS, placements: true, threads: 1 }));

/** The query through the placements its grid finds for what a first look misses, as a search looks again (LibraryIndexes.search; kept beside it). */
async function lookAgain(index: LibraryIndex, c: QueryCase): Promise<void> {
  const chosen = index.placements(c.fp, index.search({ video: c.fp }));
  if (!chosen.length) return;
  const placements = chosen.map((p) => p.placement);
  const placed = await kept(`${c.path}.${FINGERPRINT_CODE}.placed-${placements.join('-')}.json`, () => placedFrames(c.path, placements));
  c.placed = { query: { fps: c.fp.fps, duration: c.fp.duration, ...placed }, chosen };
}

/** A query searched as a service searches it: its second look (if any) added to the first. */
function search(index: LibraryIndex, c: QueryCase, opts: SearchOptions): Match[] {
  const first = index.search({ video: c.fp }, opts);
  return c.placed ? withSecondLook(first, index.search({ video: c.placed.query }, opts), c.placed.chosen, c.fp.fps) : first;
}

/** Library of the split's videos (kept between runs) and every query, made and fingerprinted. */
export async function prepare(split: Split, log = (s: string) => process.stderr.write(s), edits: RegExp = /./): Promise<Prepared> {
  const dir = join(OUT, split);
  mkdirSync(join(dir, 'queries'), { recursive: true });
  const vdna = new Vdna({ dataDir: join(dir, 'data') });
  const library = `bench-${split}`;
  const names = splitVideos(split);
  // Items made with other fingerprint parameters are made again.
  const existing = new Set(
    (await vdna.libraries()).some((l) => l.name === library)
      ? (await vdna.list(library)).filter((i) => i.fingerprintVersion === FINGERPRINT_VERSION && i.hasStrip).map((i) => i.key)
      : [],
  );
  for (const name of names) {
    if (!existing.has(name)) {
      log(`  add ${name}\n`);
      await vdna.add(library, video(name), name, { force: true });
    }
  }
  const sources = await Promise.all(names.map(source));
  const hosts = await Promise.all(unrelatedVideos(split).map(source));
  const jobs: Array<{ edit: Edit; src: Source; host?: Source; master?: string }> = [];
  sources.forEach((src, i) => {
    for (const edit of EDITS.filter((e) => edits.test(e.name))) jobs.push({ edit, src, host: edit.host ? hosts[i % hosts.length] : undefined, master: names[i] });
  });
  hosts.forEach((src, i) => {
    jobs.push({ edit: UNRELATED, src });
    jobs.push({ edit: UNRELATED_PIP, src, host: hosts[(i + 1) % hosts.length] });
  });
  log(`  making and fingerprinting ${jobs.length} queries\n`);
  const cases = await mapLimit(jobs, 2, async (job) => {
    const q = await makeQuery(job.edit, job.src, job.host, join(dir, 'queries'));
    const fp = await queryFingerprint(q.path);
    return { edit: job.edit.name, path: q.path, master: job.master, truth: q.truth, fp };
  });
  const index = await vdna.index(library);
  await mapLimit(cases, 2, (c: QueryCase) => lookAgain(index, c));
  return { split, vdna, library, index, keys: names, cases };
}

export type { Row } from './scoring.js';

/** Searches every query against the whole library and tallies the results per edit type. */
export function evaluate(p: Prepared, params: Partial<AlignParams> = {}, candidates: SearchOptions['candidates'] = 'auto'): Row[] {
  const rows = new Rows();
  for (const c of p.cases) {
    const matches = search(p.index, c, { params, candidates });
    rows.add(c.edit, c.master, c.truth, c.master ? 1 : p.keys.length, matches.map((m) => [m.PrimaryKey, m.VideoMatchSegments.map(segmentBox)]));
  }
  return rows.list();
}

/** The MPEG-7 signature on the same related pairs, and each unrelated query against every library item. */
export async function evaluateMpeg7(p: Prepared, log = (s: string) => process.stderr.write(s)): Promise<Row[]> {
  const work: Array<{ c: QueryCase; key: string }> = [];
  for (const c of p.cases) {
    if (c.master) work.push({ c, key: c.master });
    else for (const key of p.keys) work.push({ c, key });
  }
  log(`  MPEG-7 signature on ${work.length} pairs\n`);
  const results = await mapLimit(work, 2, async ({ c, key }) => mpeg7Detect(c.path, video(key)));
  const rows = new Rows();
  work.forEach(({ c, key }, i) => rows.add(c.edit, c.master, c.truth, 1, results[i].length ? [[key, results[i]]] : []));
  return rows.list();
}

const pct = (x: number) => x.toFixed(3);

export function formatRows(rows: Row[], mpeg7?: Row[], other = 'MPEG-7'): string {
  const head = ['edit', 'pairs', 'P', 'R', 'F1', 'false'];
  const mHead = mpeg7 ? [`${other} P`, 'R', 'F1', 'false'] : [];
  const lines = rows.map((r) => {
    const s = scores(r.tally);
    const negative = r.edit.startsWith('unrelated');
    const cells = [r.edit, String(r.pairs), negative ? '-' : pct(s.precision), negative ? '-' : pct(s.recall), negative ? '-' : pct(s.f1), String(r.falseMatches)];
    const m = mpeg7?.find((x) => x.edit === r.edit);
    if (m) {
      const ms = scores(m.tally);
      cells.push(...(negative ? ['-', '-', '-'] : [pct(ms.precision), pct(ms.recall), pct(ms.f1)]), String(m.falseMatches));
    }
    return cells;
  });
  const all = [[...head, ...mHead], ...lines];
  const widths = all[0].map((_, i) => Math.max(...all.map((l) => (l[i] ?? '').length)));
  return all.map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

/** Each family's mean F1 over its edits (vdna, and the other method where given), and the mean over the families. */
export function formatFamilies(rows: Row[], other?: Row[], otherName = 'MPEG-7'): string {
  const f1 = (list: Row[] | undefined, edit: string) => {
    const row = list?.find((r) => r.edit === edit);
    return row ? scores(row.tally).f1 : undefined;
  };
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const lines: string[] = [];
  const means: number[][] = [[], []];
  for (const [family, edits] of Object.entries(FAMILIES)) {
    const ours = edits.map((e) => f1(rows, e)).filter((x) => x !== undefined);
    if (ours.length < edits.length) continue; // a run of some edits only (--edits)
    const theirs = edits.map((e) => f1(other, e)).filter((x) => x !== undefined);
    means[0].push(mean(ours));
    if (theirs.length === edits.length) means[1].push(mean(theirs));
    lines.push(`  ${family.padEnd(38)} ${pct(mean(ours))}${theirs.length === edits.length ? `  ${otherName} ${pct(mean(theirs))}` : ''}  (lowest ${pct(Math.min(...ours))})`);
  }
  if (!lines.length) return '';
  const total = `  ${'mean over the families'.padEnd(38)} ${pct(mean(means[0]))}${means[1].length === means[0].length ? `  ${otherName} ${pct(mean(means[1]))}` : ''}`;
  return ['F1 by edit family (issue P4):', ...lines, total].join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const splits: Split[] = arg('--split') === 'tune' ? ['tune'] : arg('--split') === 'test' ? ['test'] : ['tune', 'test'];
  const only = arg('--only');
  if (only === undefined || only === 'audio') {
    for (const split of splits) {
      process.stderr.write(`[audio ${split}] preparing\n`);
      const p = await prepareAudio(split);
      const t0 = performance.now();
      const rows = evaluateAudio(p);
      const searchMs = (performance.now() - t0) / p.cases.length;
      const chroma = argv.includes('--no-chromaprint') ? undefined : await evaluateChromaprint(p);
      console.log(`\n## audio, ${split} half: library of ${p.keys.length} recordings, ${p.cases.length} queries (mean search ${searchMs.toFixed(1)} ms)\n`);
      console.log(formatRows(rows, chroma, 'Chromaprint'));
      const unrelated = rows.filter((r) => r.edit.startsWith('unrelated')).reduce((a, r) => a + r.pairs, 0);
      console.log(`\nunrelated query-library pairs: ${unrelated}; false matches in all: ${rows.reduce((a, r) => a + r.falseMatches, 0)}`);
      p.vdna.close();
    }
    if (only === 'audio') return;
  }
  if (only === 'text' || only === undefined) {
    const rows = evaluateText();
    console.log('\n## text: a library of 3 transcripts, excerpts of 12 and 25 words (positions in words; timed cues in seconds)\n');
    console.log(formatRows(rows));
    if (only === 'text') return;
  }
  const candidates = (arg('--candidates') ?? 'auto') as SearchOptions['candidates'];
  const report: Record<string, unknown> = { params: MATCH_DEFAULTS, candidates };
  for (const split of splits) {
    process.stderr.write(`[${split}] preparing\n`);
    const p = await prepare(split, undefined, new RegExp(arg('--edits') ?? '.', 'i'));
    const t0 = performance.now();
    const rows = evaluate(p, {}, candidates);
    const searchMs = (performance.now() - t0) / p.cases.length;
    const mpeg7 = argv.includes('--no-mpeg7') ? undefined : await evaluateMpeg7(p);
    const relatedPairs = rows.filter((r) => !r.edit.startsWith('unrelated'));
    const unrelatedPairs = rows.filter((r) => r.edit.startsWith('unrelated')).reduce((a, r) => a + r.pairs, 0);
    console.log(`\n## ${split} half: library of ${p.keys.length} videos, ${p.cases.length} queries (mean search ${searchMs.toFixed(1)} ms, candidates=${candidates})\n`);
    console.log(formatRows(rows, mpeg7));
    const families = formatFamilies(rows, mpeg7);
    if (families) console.log(`\n${families}`);
    console.log(`\nunrelated query-library pairs: ${unrelatedPairs}; false matches in all: ${rows.reduce((a, r) => a + r.falseMatches, 0)}`);
    const near = argv.includes('--no-near-duplicates') ? undefined : await evaluateNearDuplicates(split);
    if (near) {
      console.log(
        `near-duplicate pairs (${near.queries} queries x ${near.library} items: other scenes of the same films, a shared title card and logo, black and frozen frames): ${near.pairs};` +
          ` false matches ${near.falseMatches}; a film's later part matched to its first part: ${near.sameFilm}; matched over the shared ${CARD_SECONDS} s card only: ${near.cardOnly}`,
      );
      for (const d of near.details) console.log(`  ${d}`);
    }
    report[split] = {
      nearDuplicates: near,
      rows: rows.map((r) => ({ ...r, ...scores(r.tally) })),
      mpeg7: mpeg7?.map((r) => ({ ...r, ...scores(r.tally) })),
      relatedQueries: relatedPairs.reduce((a, r) => a + r.queries, 0),
      searchMs,
    };
    p.vdna.close();
  }
  writeFileSync(join(OUT, 'accuracy.json'), JSON.stringify(report, null, 2));
  console.log(`\nfull report: ${join(OUT, 'accuracy.json')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
