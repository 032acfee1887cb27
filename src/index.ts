/** Public API of the vdna core: usable without the server. */
export { Vdna, defaultDataDir, FINGERPRINT_VERSION, type SearchResult } from './vdna.js';
export { VdnaError, type ErrorCode } from './errors.js';
export { fingerprintFile, fingerprintMedia, LIBRARY_VARIANTS, QUERY_VARIANTS, type VideoFingerprint } from './fingerprint/video/fingerprint.js';
export { VideoIndex } from './index/video-index.js';
export { searchVideo, type Match, type MatchSegment } from './match/search.js';
export { probe, type MediaInfo } from './media/probe.js';
