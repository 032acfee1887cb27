/** Faces found by smart tagging, in PostgreSQL (their thumbnails are blobs: store/faces.ts). */
import type { FaceData, FaceRecord, FaceStore } from '../faces.js';
import { CLEAR_THUMBNAIL, FACE_COLUMNS, FACE_INSERT, STORED_THUMBNAILS, toFace, type FaceRow } from '../sql/records.js';
import type { Database, Sql } from './database.js';

/** Writes faces in the caller's transaction (a job's end stores its faces with it). */
export async function putFaces(tx: Sql, account: string, jobId: string | undefined, faces: FaceData[]): Promise<void> {
  const now = new Date().toISOString();
  for (const f of faces) await tx.run(FACE_INSERT, [f.id, account, jobId ?? null, JSON.stringify(f.descriptor), now]);
}

export class PgFaceStore implements FaceStore {
  constructor(private readonly db: Database) {}

  async put(account: string, faces: FaceData[]): Promise<void> {
    await this.db.transaction((tx) => putFaces(tx, account, undefined, faces));
  }

  async get(account: string, id: string): Promise<FaceRecord | undefined> {
    const face = await this.byId(id);
    return face?.account === account ? face : undefined;
  }

  async byId(id: string): Promise<FaceRecord | undefined> {
    const row = await this.db.row<FaceRow>(`SELECT ${FACE_COLUMNS} FROM faces WHERE id = ?`, [id]);
    return row && toFace(row);
  }

  async storedThumbnails(limit: number): Promise<Array<{ id: string; thumbnail: Buffer }>> {
    return this.db.rows<{ id: string; thumbnail: Buffer }>(STORED_THUMBNAILS, [limit]);
  }

  async clearThumbnail(id: string): Promise<void> {
    await this.db.run(CLEAR_THUMBNAIL, [id]);
  }
}
