/** The media registry's persistence contract: files and references a client registers once and names by MediaId. */
export interface MediaRecord {
  /** The MediaId: unguessable, what VOD calls a media id and IMS an input of Type Media. */
  id: string;
  account: string;
  title: string;
  /** Where it is: an uploaded file (kept under the media folder), a URL, an S3 object or a server path. */
  input: { type: 'Upload' | 'URL' | 'S3' | 'Path'; source: string };
  /** Uploads: the stored file's name in the media folder. */
  file?: string;
  size?: number;
  createdAt: string;
}

/** An uploaded media's file as a blob: "media/<file>" (DATA/media/<file> on local disk). */
export const mediaBlobKey = (file: string) => `media/${file}`;

export interface MediaStore {
  add(record: MediaRecord): Promise<void>;
  get(account: string, id: string): Promise<MediaRecord | undefined>;
  /** Whatever its account: for a presigned URL, which names the media alone. */
  byId(id: string): Promise<MediaRecord | undefined>;
  /** Newest first. */
  list(account: string, page: { limit: number; cursor?: string }): Promise<{ media: MediaRecord[]; nextCursor?: string }>;
  remove(account: string, id: string): Promise<boolean>;
}
