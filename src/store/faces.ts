/**
 * Faces found by smart tagging, kept so that a user can see them (a thumbnail behind a FaceUrl) and
 * name one afterwards (its descriptor registered under a person). They belong to the job that found
 * them (none for the CLI's in-process tagging) and to its account. The record (descriptor, owner) is
 * the database's; the thumbnail is a blob, "faces/<face id>.jpg", put before the record is stored, so
 * that a stored face always has one. A put whose record never followed (a crash in between) leaves a
 * harmless blob that nothing names: a job's faces have ids made from the job's (tagging's facesOf), so
 * the job's next run writes the same keys again.
 */
import { moveIntoBlobs, type BlobStore } from './blobs.js';

export interface NewFace {
  id: string;
  /** The face's recognition embedding (the mean over its sightings). */
  descriptor: number[];
  /** A JPEG of its clearest sighting. */
  thumbnail: Buffer;
}

/** What the database keeps of a face: all but its thumbnail, which is a blob (thumbnailKey). */
export type FaceData = Omit<NewFace, 'thumbnail'>;

export interface FaceRecord extends FaceData {
  account: string;
  jobId?: string;
  createdAt: string;
}

/** A face's thumbnail as a blob. */
export const thumbnailKey = (faceId: string) => `faces/${faceId}.jpg`;
export const THUMBNAIL_TYPE = 'image/jpeg';

/** Puts each face's thumbnail as a blob: before the faces' records are stored (FaceStore.put, a job's end). */
export async function putThumbnails(blobs: BlobStore, faces: NewFace[]): Promise<void> {
  for (const f of faces) await blobs.put(thumbnailKey(f.id), f.thumbnail, THUMBNAIL_TYPE);
}

export interface FaceStore {
  /** Stores faces found outside a job, their thumbnails put first (a job's are stored with its end: JobEffects.faces). */
  put(account: string, faces: FaceData[]): Promise<void>;
  /** The account's face of that id (another account's is undefined). */
  get(account: string, id: string): Promise<FaceRecord | undefined>;
  /** A face whatever its account (a presigned URL was checked by the door). */
  byId(id: string): Promise<FaceRecord | undefined>;
  /** Up to `limit` thumbnails an older vdna kept in the database, for moveThumbnails. */
  storedThumbnails(limit: number): Promise<Array<{ id: string; thumbnail: Buffer }>>;
  /** Empties a face's thumbnail column once the thumbnail is a blob. */
  clearThumbnail(id: string): Promise<void>;
}

/** Moves the thumbnails an older vdna kept in the database into the blobs (a server's start); returns how many. */
export function moveThumbnails(faces: FaceStore, blobs: BlobStore, batch = 100): Promise<number> {
  return moveIntoBlobs(
    (limit) => faces.storedThumbnails(limit),
    async ({ id, thumbnail }) => {
      await blobs.put(thumbnailKey(id), thumbnail, THUMBNAIL_TYPE);
      await faces.clearThumbnail(id);
      return true;
    },
    batch,
  );
}
