import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MEDIA } from './paths.js';

/** Videos of 10 s or more, alternately assigned to the two halves of the corpus. */
const LONG_VIDEOS = [
  'fillets_intro.mpg',
  'gnomehelp_display-dual-monitors.webm',
  'imageio_cockatoo.mp4',
  'intel_bottle-detection.mp4',
  'intel_car-detection.mp4',
  'intel_one-by-one-person-detection.mp4',
  'janus_ChID-BLITS-EBU.mp4',
  'mahjongg_hints-video.ogv',
  'moviepy_big_buck_bunny_0_30.webm',
  'openboard_wannaworktogether.mp4',
  'opencv_tree.avi',
  'opencv_vtest_pedestrians.avi',
  'pdextendedview_diver.mov',
  'planetblupi_history2.mkv',
  'planetblupi_win005.mkv',
  'processing_launch2_apollo.mp4',
  'pymecavideo_balle-jbart.mp4',
  'tupi_example_animation.avi',
  'zwm_caminandes_10s.mp4',
  'zwm_sintel_10s.mp4',
  'zwm_tears_of_steel_10s.mp4',
];

/** Short clips: never in a library, used as unrelated queries and as hosts for embedded excerpts.
 *  (forensics_movie-hello.mpeg is left out: it is the same recording as the .mp4.) */
const SHORT_VIDEOS = ['forensics_movie-hello.mp4', 'udacity_solidWhiteRight_dashcam.mp4', 'mdn_friday.mp4', 'mdn_flower.webm'];

export type Split = 'tune' | 'test';

/** The short clips (never in a library). */
export const shortVideos = (): string[] => [...SHORT_VIDEOS];

export function video(name: string): string {
  const path = join(MEDIA, 'video', name);
  if (!existsSync(path)) throw new Error(`corpus file missing: ${path}`);
  return path;
}

/** Thresholds are tuned on "tune" and reported on "test": the two share no video. */
export function splitVideos(split: Split): string[] {
  return LONG_VIDEOS.filter((_, i) => (i % 2 === 0) === (split === 'tune'));
}

/** Videos with no content in common with the split's library. */
export function unrelatedVideos(split: Split): string[] {
  return [...splitVideos(split === 'tune' ? 'test' : 'tune'), ...SHORT_VIDEOS];
}
