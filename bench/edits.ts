import { existsSync } from 'node:fs';
import type { Box } from './scoring.js';

/** A source clip as the edits see it. */
export interface Source {
  path: string;
  duration: number;
  fps: number;
}

/** An ffmpeg command that makes a query, and where the library content sits in it. */
export interface QueryRecipe {
  args: string[];
  truth: Box[];
}

export interface Edit {
  name: string;
  /** Whether the edit needs an unrelated host video (embedding, picture-in-picture). */
  host?: boolean;
  make(src: Source, out: string, host?: Source): QueryRecipe;
}

const FONT = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'].find((f) => existsSync(f));
const EVEN = 'scale=trunc(iw/2)*2:trunc(ih/2)*2';
const ENCODE = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-an'];
/** A caption and a logo box, as re-uploads carry them. */
const OVERLAY =
  (FONT ? `drawtext=fontfile=${FONT}:text='COPY 2026 vdna':fontsize=h/9:fontcolor=white:x=(w-tw)/2:y=h*0.80:box=1:boxcolor=black@0.6,` : '') +
  'drawbox=x=iw*0.76:y=ih*0.05:w=iw*0.2:h=ih*0.15:color=red@0.85:t=fill';

/** The excerpt of each library video that queries are made from: from 20 % in, up to 20 s long. */
export function excerpt(src: Source): { start: number; length: number } {
  const start = Math.round(src.duration * 0.2 * 10) / 10;
  return { start, length: Math.min(20, Math.floor((src.duration - start - 0.5) * 10) / 10) };
}

const trim = (start: number, length: number) => `trim=start=${start}:end=${start + length},setpts=PTS-STARTPTS`;

/**
 * A query made of the excerpt with one filter chain applied; `speed` > 1 plays faster. A frame-rate
 * change goes before the trim (`pre`): this ffmpeg's fps filter placed after trim+setpts restarts
 * from the source's original timestamps and pads the output.
 */
function filtered(name: string, chain: (src: Source) => string, opts: { speed?: number; encode?: string[]; pre?: (src: Source) => string } = {}): Edit {
  return {
    name,
    make(src, out) {
      const { start, length } = excerpt(src);
      const speed = opts.speed ?? 1;
      const parts = [opts.pre?.(src) ?? '', trim(start, length), speed !== 1 ? `setpts=PTS/${speed}` : '', chain(src), EVEN, 'format=yuv420p'].filter(Boolean);
      return {
        args: ['-i', src.path, '-filter_complex', `[0:v]${parts.join(',')}[v]`, '-map', '[v]', ...(opts.encode ?? ENCODE), out],
        truth: [{ queryStart: 0, queryEnd: length / speed, masterStart: start, masterEnd: start + length }],
      };
    },
  };
}

const normalise = 'scale=640:360,setsar=1';

export const EDITS: Edit[] = [
  filtered('re-encode 150 kb/s', () => 'null', { encode: ['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '150k', '-pix_fmt', 'yuv420p', '-an'] }),
  filtered('resize to 40 %', () => 'scale=trunc(iw*0.2)*2:trunc(ih*0.2)*2'),
  filtered('crop 20 % centred', () => 'crop=iw*0.8:ih*0.8'),
  filtered('crop 10 % corner', () => 'crop=iw*0.9:ih*0.9:0:0'),
  filtered('letterbox', () => 'scale=640:300,setsar=1,pad=640:480:0:90:black'),
  filtered('text + logo overlay', () => OVERLAY),
  filtered('colour', () => 'eq=brightness=0.1:contrast=1.3:saturation=1.6:gamma=0.85,hue=h=30'),
  filtered('mirror', () => 'hflip'),
  filtered('rotate 90°', () => 'transpose=1'),
  filtered('rotate 180°', () => 'hflip,vflip'),
  filtered('upside down (vertical flip)', () => 'vflip'),
  filtered('speed 0.8x', () => 'null', { speed: 0.8 }),
  filtered('speed 1.25x', () => 'null', { speed: 1.25 }),
  filtered('slow motion 0.5x', () => 'null', { speed: 0.5 }),
  filtered('timelapse 2x', () => 'null', { speed: 2 }),
  filtered('frame rate', () => 'null', { pre: (src) => `fps=${src.fps > 16 ? 10 : 25}` }),
  {
    name: 'excerpt inside another video',
    host: true,
    make(src, out, host) {
      const { start, length } = excerpt(src);
      const h = Math.min(6, Math.floor((host!.duration / 2 - 0.2) * 10) / 10);
      const graph = [
        `[1:v]fps=25,split[h1][h2]`,
        `[h1]${trim(0, h)},${normalise}[a]`,
        `[0:v]fps=25,${trim(start, length)},${normalise}[b]`,
        `[h2]${trim(h, h)},${normalise}[c]`,
        '[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[v]',
      ].join(';');
      return {
        args: ['-i', src.path, '-i', host!.path, '-filter_complex', graph, '-map', '[v]', ...ENCODE, out],
        truth: [{ queryStart: h, queryEnd: h + length, masterStart: start, masterEnd: start + length }],
      };
    },
  },
  pictureInPicture('picture-in-picture'),
  filtered('combined: resize + colour + overlay', () => `scale=trunc(iw*0.3)*2:trunc(ih*0.3)*2,eq=contrast=1.25:saturation=1.5:brightness=0.05,${OVERLAY}`, {
    encode: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-pix_fmt', 'yuv420p', '-an'],
  }),
  filtered('combined: crop + mirror + speed 1.1x', () => 'crop=iw*0.9:ih*0.9,hflip', { speed: 1.1 }),
  // The hard families of issue P4 (the Video Similarity Challenge 2022's transformations), measured
  // before they are worked on.
  framed('vertical reframe, blurred fill', (clip) =>
    `${clip},scale=640:360,setsar=1,split[fg][bg];[bg]scale=-2:640,crop=360:640,boxblur=20[blur];[fg]scale=360:-2[small];[blur][small]overlay=0:(H-h)/2`),
  filtered('vertical crop to the centre strip', () => 'crop=ih*9/16:ih'),
  framed('split screen beside another video', (clip, host) => `${clip},scale=320:360,setsar=1[l];${host},scale=320:360,setsar=1[r];[l][r]hstack`),
  filtered('crop to 40 % of the area, off-centre', () => 'crop=iw*0.63:ih*0.63:iw*0.05:ih*0.3'),
  filtered('occlusion: a box over a quarter', () => 'drawbox=x=iw*0.15:y=ih*0.2:w=iw*0.5:h=ih*0.5:color=black:t=fill'),
  jumpCuts('jump cuts (1 s of every 4 removed)', 4, 1),
  filtered('144p at 5 fps, heavy compression', () => 'scale=-2:144', {
    pre: () => 'fps=5',
    encode: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '38', '-pix_fmt', 'yuv420p', '-an'],
  }),
  filtered('grey + blur', () => 'format=gray,boxblur=4:1'),
  // Second strengths of the hard families.
  framed('vertical reframe, black fill', (clip) => `${clip},scale=640:360,setsar=1,scale=360:-2,pad=360:640:0:(oh-ih)/2:black`),
  filtered('vertical crop to an off-centre strip', () => 'crop=ih*9/16:ih:iw*0.12:0'),
  framed('split screen, copy below another video', (clip, host) => `${host},scale=360:320,setsar=1[t];${clip},scale=360:320,setsar=1[b];[t][b]vstack`),
  framed(
    'split screen, 2x2 grid',
    (clip, host) => `${clip},scale=320:180,setsar=1[a];${host},scale=320:180,setsar=1,split=3[b][c][d0];[d0]hflip[d];[a][b][c][d]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0`,
  ),
  pictureInPicture('picture-in-picture, small, top left', true, { width: 160, corner: 'top-left' }),
  filtered('crop to 60 % of the area, off-centre', () => 'crop=iw*0.77:ih*0.77:iw*0.2:ih*0.05'),
  // A third strength, added with the crop placements (and so not tuned against): toward the bottom right.
  filtered('crop to 50 % of the area, off-centre', () => 'crop=iw*0.71:ih*0.71:iw*0.26:ih*0.24'),
  filtered('occlusion: a sticker over a tenth, off-centre', () => 'drawbox=x=iw*0.55:y=ih*0.15:w=iw*0.3:h=ih*0.33:color=yellow:t=fill'),
  // A screen filmed with a camcorder: the picture a skewed quadrilateral in a dark room, soft, noisy
  // (fresh grain every frame) and flickering (brightness beating at 2.5 Hz).
  filtered(
    'camcorder capture: perspective, noise, flicker',
    () =>
      `${normalise},pad=iw*1.2:ih*1.2:(ow-iw)/2:(oh-ih)/2:color=0x141414,` +
      'perspective=x0=W*0.03:y0=H*0.07:x1=W*0.98:y1=H*0.02:x2=W*0.06:y2=H*0.97:x3=W*0.995:y3=H*0.92,' +
      `${normalise},gblur=sigma=0.8,noise=alls=14:allf=t,eq=brightness=0.06*sin(2*PI*t*2.5):eval=frame`,
  ),
];

/** The seven edit families of issue P4 and the edits (by name) that measure each: the bench reports each family's mean F1. */
export const FAMILIES: Record<string, readonly string[]> = {
  reframes: ['vertical reframe, blurred fill', 'vertical reframe, black fill', 'vertical crop to the centre strip', 'vertical crop to an off-centre strip'],
  orientation: ['rotate 90°', 'rotate 180°', 'upside down (vertical flip)'],
  'split screens and picture-in-picture': [
    'split screen beside another video',
    'split screen, copy below another video',
    'split screen, 2x2 grid',
    'picture-in-picture',
    'picture-in-picture, small, top left',
  ],
  crops: ['crop to 60 % of the area, off-centre', 'crop to 50 % of the area, off-centre', 'crop to 40 % of the area, off-centre'],
  occlusion: ['occlusion: a sticker over a tenth, off-centre', 'occlusion: a box over a quarter'],
  'time edits': ['slow motion 0.5x', 'timelapse 2x', 'jump cuts (1 s of every 4 removed)'],
  degradation: ['144p at 5 fps, heavy compression', 'grey + blur', 'camcorder capture: perspective, noise, flicker'],
};

/** The excerpt (`clip`, a filter chain start) composed with a host video's (`host`) by `compose`, which ends in one output. */
function framed(name: string, compose: (clip: string, host: string) => string): Edit {
  return {
    name,
    host: true,
    make(src, out, host) {
      const { start, length } = excerpt(src);
      const graph = `${compose(`[0:v]fps=25,${trim(start, length)}`, `[1:v]fps=25,${trim(0, length)}`)},${EVEN},format=yuv420p[v]`;
      return {
        args: ['-i', src.path, '-stream_loop', '-1', '-i', host!.path, '-filter_complex', graph, '-map', '[v]', '-t', String(length), ...ENCODE, out],
        truth: [{ queryStart: 0, queryEnd: length, masterStart: start, masterEnd: start + length }],
      };
    },
  };
}

/** The excerpt with `cut` seconds removed from every `every`: as many segments as pieces kept. */
function jumpCuts(name: string, every: number, cut: number): Edit {
  return {
    name,
    make(src, out) {
      const { start, length } = excerpt(src);
      const keep = every - cut;
      const truth = [];
      for (let t = 0; t < length; t += every) {
        const piece = Math.min(keep, length - t);
        const q = (t / every) * keep;
        truth.push({ queryStart: q, queryEnd: q + piece, masterStart: start + t, masterEnd: start + t + piece });
      }
      const chain = `[0:v]fps=25,${trim(start, length)},select='lt(mod(t\,${every})\,${keep})',setpts=N/25/TB,${EVEN},format=yuv420p[v]`;
      return { args: ['-i', src.path, '-filter_complex', chain, '-map', '[v]', ...ENCODE, out], truth };
    },
  };
}

/** The excerpt shrunk into a corner of a host video (looped to last as long); with
 *  `related` false the source is outside the library and the query has no true segment. */
function pictureInPicture(name: string, related = true, inset: { width: number; corner: 'top-left' | 'bottom-right' } = { width: 288, corner: 'bottom-right' }): Edit {
  return {
    name,
    host: true,
    make(src, out, host) {
      const { start, length } = excerpt(src);
      const at = inset.corner === 'top-left' ? 'x=24:y=24' : 'x=W-w-24:y=H-h-24';
      const graph = [
        `[1:v]fps=25,${normalise}[bg]`,
        `[0:v]fps=25,${trim(start, length)},scale=${inset.width}:${Math.round((inset.width * 9) / 32) * 2},setsar=1[fg]`,
        `[bg][fg]overlay=${at}:shortest=1,format=yuv420p[v]`,
      ].join(';');
      return {
        args: ['-i', src.path, '-stream_loop', '-1', '-i', host!.path, '-filter_complex', graph, '-map', '[v]', '-t', String(length), ...ENCODE, out],
        truth: related ? [{ queryStart: 0, queryEnd: length, masterStart: start, masterEnd: start + length }] : [],
      };
    },
  };
}

/** Hard negatives: picture-in-picture of two clips that are both outside the library (an inset
 *  finder that hallucinates, or static scenes that look alike, show up here as false matches). */
export const UNRELATED_PIP: Edit = pictureInPicture('unrelated picture-in-picture', false);

/** Unrelated queries: a plain re-encode of a clip that is not in the library. */
export const UNRELATED: Edit = {
  name: 'unrelated',
  make(src, out) {
    const length = Math.min(20, Math.floor(src.duration * 10) / 10);
    return {
      args: ['-i', src.path, '-filter_complex', `[0:v]${trim(0, length)},${EVEN},format=yuv420p[v]`, '-map', '[v]', ...ENCODE, out],
      truth: [],
    };
  },
};
