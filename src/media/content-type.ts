/**
 * The Content-Type a media's bytes are served with, by its file's extension: what a browser may
 * render inline; anything else is bytes to save (never a page). The same whether vdna streams them
 * or object storage serves them at its presigned URL.
 */
import { extname } from 'node:path';

const PLAYABLE: Record<string, string> = {
  '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm', '.mkv': 'video/x-matroska',
  '.ogv': 'video/ogg', '.avi': 'video/x-msvideo', '.mpg': 'video/mpeg', '.mpeg': 'video/mpeg', '.ts': 'video/mp2t',
  '.mp3': 'audio/mpeg', '.m4a': 'audio/mp4', '.aac': 'audio/aac', '.ogg': 'audio/ogg', '.oga': 'audio/ogg', '.opus': 'audio/ogg',
  '.wav': 'audio/wav', '.flac': 'audio/flac',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif',
  '.srt': 'text/plain; charset=utf-8', '.vtt': 'text/vtt; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.json': 'text/plain; charset=utf-8',
};

export const contentTypeOf = (fileName: string): string => PLAYABLE[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
