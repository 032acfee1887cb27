import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { LIMITS } from '../config.js';
import { VdnaError } from '../errors.js';

const require = createRequire(import.meta.url);

/** Where a tool binary came from, for `vdna doctor` and error messages. */
export interface ToolPath {
  path: string;
  source: 'env' | 'system' | 'bundled';
}

function onPath(name: string): string | undefined {
  try {
    const out = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

function bundled(pkg: string): string | undefined {
  try {
    return (require(pkg) as { path: string }).path;
  } catch {
    return undefined;
  }
}

function locate(name: 'ffmpeg' | 'ffprobe', envVar: string, pkg: string): ToolPath {
  const configured = process.env[envVar];
  if (configured) return { path: configured, source: 'env' };
  const system = onPath(name);
  if (system) return { path: system, source: 'system' };
  const packaged = bundled(pkg);
  if (packaged) return { path: packaged, source: 'bundled' };
  throw new VdnaError('FFMPEG_MISSING', `${name} not found: set ${envVar}, install ${name}, or run npm install`);
}

let cached: { ffmpeg: ToolPath; ffprobe: ToolPath } | undefined;

/** ffmpeg and ffprobe: $VDNA_FFMPEG/$VDNA_FFPROBE, then the system's, then the npm-bundled static build. */
export function tools(): { ffmpeg: ToolPath; ffprobe: ToolPath } {
  cached ??= {
    ffmpeg: locate('ffmpeg', 'VDNA_FFMPEG', '@ffmpeg-installer/ffmpeg'),
    ffprobe: locate('ffprobe', 'VDNA_FFPROBE', '@ffprobe-installer/ffprobe'),
  };
  return cached;
}

let prlimit: string | undefined | null = null;

/**
 * The command that runs ffmpeg or ffprobe with `args` under the decoder memory limit
 * (VDNA_MAX_DECODER_MB of address space, through util-linux's prlimit where it exists): a hostile file
 * that makes the decoder allocate without end fails that decoder, not the machine.
 */
export function decoderCommand(tool: 'ffmpeg' | 'ffprobe', args: string[]): [string, string[]] {
  const path = tools()[tool].path;
  if (prlimit === null) prlimit = onPath('prlimit');
  if (!prlimit) return [path, args];
  return [prlimit, [`--as=${LIMITS.maxDecoderMb * 1024 * 1024}`, '--', path, ...args]];
}

/**
 * A decoder that could not get memory under its limit: it segfaults (a static build) or cannot even map
 * its libraries (a shared one). The file is refused naming the setting, not called corrupt.
 */
export function decoderCrash(signal: NodeJS.Signals | null | undefined, stderr: string, path: string): VdnaError | undefined {
  const starved = /failed to map segment|cannot allocate memory|out of memory/i.test(stderr);
  if (!starved && (!signal || signal === 'SIGKILL' || signal === 'SIGTERM')) return undefined;
  return new VdnaError(
    'TOO_LARGE',
    `the decoder ${signal ? `crashed (${signal})` : 'ran out of memory'} on ${path}: the file needs more than the decoder memory limit (VDNA_MAX_DECODER_MB=${LIMITS.maxDecoderMb}) or is hostile`,
  );
}

export interface FfmpegCapabilities {
  version: string;
  decoders: Record<string, boolean>;
  filters: Record<string, boolean>;
}

/** What the located ffmpeg can do, for the things vdna relies on. */
export function capabilities(): FfmpegCapabilities {
  const { ffmpeg } = tools();
  const run = (arg: string) => execFileSync(ffmpeg.path, ['-hide_banner', arg], { encoding: 'utf8' });
  const version = run('-version').split('\n')[0] ?? '';
  const decoderList = run('-decoders');
  const filterList = run('-filters');
  const has = (list: string, name: string) => new RegExp(`^\\s*\\S+\\s+${name}\\s`, 'm').test(list);
  const decoders: Record<string, boolean> = {};
  for (const [codec, names] of Object.entries({
    h264: ['h264'],
    hevc: ['hevc'],
    vp9: ['vp9', 'libvpx-vp9'],
    av1: ['libdav1d', 'libaom-av1', 'av1'],
  })) {
    decoders[codec] = names.some((n) => has(decoderList, n));
  }
  const filters: Record<string, boolean> = {};
  for (const name of ['fps', 'scale', 'format', 'signature']) filters[name] = has(filterList, name);
  return { version, decoders, filters };
}
