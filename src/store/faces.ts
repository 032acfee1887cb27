/**
 * Faces found by smart tagging, kept so that a user can see them (a thumbnail behind a FaceUrl) and
 * name one afterwards (its descriptor registered under a person). They belong to the job that found
 * them (none for the CLI's in-process tagging) and to its account.
 */
export interface NewFace {
  id: string;
  /** The face's recognition embedding (the mean over its sightings). */
  descriptor: number[];
  /** A JPEG of its clearest sighting. */
  thumbnail: Buffer;
}

export interface FaceRecord extends NewFace {
  account: string;
  jobId?: string;
  createdAt: string;
}

export interface FaceStore {
  /** Stores faces found outside a job (a job's are stored with its end: JobEffects.faces). */
  put(account: string, faces: NewFace[]): Promise<void>;
  /** The account's face of that id (another account's is undefined). */
  get(account: string, id: string): Promise<FaceRecord | undefined>;
  /** A face whatever its account (a presigned URL was checked by the door). */
  byId(id: string): Promise<FaceRecord | undefined>;
}
