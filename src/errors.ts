/** An error a user can act on: a stable machine code and a one-line message. */
export type ErrorCode =
  | 'FILE_NOT_FOUND'
  | 'NOT_MEDIA'
  | 'NO_VIDEO_STREAM'
  | 'NO_AUDIO_STREAM'
  | 'CORRUPT_MEDIA'
  | 'TRUNCATED_MEDIA'
  | 'TOO_LARGE'
  | 'TOO_SHORT'
  | 'UNKNOWN_LIBRARY'
  | 'UNKNOWN_KEY'
  | 'DUPLICATE_KEY'
  | 'INVALID_ARGUMENT'
  | 'FFMPEG_MISSING'
  | 'WRONG_MEDIA_TYPE'
  | 'DUPLICATE_LIBRARY'
  | 'UNKNOWN_JOB'
  | 'JOB_NOT_CANCELLABLE'
  | 'RESULT_NOT_READY'
  | 'CANCELLED'
  | 'PAYLOAD_TOO_LARGE'
  | 'MALFORMED_REQUEST'
  | 'URL_NOT_ALLOWED'
  | 'PATH_NOT_ALLOWED'
  | 'DOWNLOAD_FAILED'
  | 'STORAGE_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'ACCESS_DENIED'
  | 'Throttling'
  | 'UNKNOWN_ACCOUNT'
  | 'UNKNOWN_KEY_ID'
  | 'DUPLICATE_ACCOUNT'
  | 'UNKNOWN_MEDIA'
  | 'DATA_DIR_LOCKED'
  | 'HOST_NOT_ALLOWED'
  | 'UNKNOWN_DELIVERY'
  | 'IMPLAUSIBLE_DURATION'
  | 'MEDIA_TIMEOUT'
  | 'ANALYSER_UNAVAILABLE'
  | 'UNKNOWN_PERSON'
  | 'UNKNOWN_FACE';

export class VdnaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VdnaError';
  }
}

/**
 * A failure of the machine's storage as vdna's error (a full disk: SQLite's SQLITE_FULL, the file
 * system's ENOSPC), or undefined for any other error. Reads go on; writes work again once space returns.
 */
export function storageError(err: unknown): VdnaError | undefined {
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new VdnaError('STORAGE_UNAVAILABLE', "the server's disk is full: nothing was stored; try again once space is freed");
  }
  return undefined;
}
