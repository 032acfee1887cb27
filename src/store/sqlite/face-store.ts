/** Faces found by smart tagging, in the embedded engine's database (their thumbnails are blobs: store/faces.ts). */
import type Database from 'better-sqlite3';
import type { FaceData, FaceRecord, FaceStore } from '../faces.js';
import { CLEAR_THUMBNAIL, FACE_COLUMNS, FACE_INSERT, STORED_THUMBNAILS, toFace, type FaceRow } from '../sql/records.js';

/** Writes faces in the caller's transaction (a job's end stores its faces with it). */
export function putFaces(db: Database.Database, account: string, jobId: string | undefined, faces: FaceData[]): void {
  const insert = db.prepare(FACE_INSERT);
  const now = new Date().toISOString();
  for (const f of faces) insert.run(f.id, account, jobId ?? null, JSON.stringify(f.descriptor), now);
}

export class SqliteFaceStore implements FaceStore {
  constructor(private readonly db: Database.Database) {}

  async put(account: string, faces: FaceData[]): Promise<void> {
    this.db.transaction(() => putFaces(this.db, account, undefined, faces)).immediate();
  }

  async get(account: string, id: string): Promise<FaceRecord | undefined> {
    const face = await this.byId(id);
    return face?.account === account ? face : undefined;
  }

  async byId(id: string): Promise<FaceRecord | undefined> {
    const row = this.db.prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE id = ?`).get(id) as FaceRow | undefined;
    return row && toFace(row);
  }

  async storedThumbnails(limit: number): Promise<Array<{ id: string; thumbnail: Buffer }>> {
    return this.db.prepare(STORED_THUMBNAILS).all(limit) as Array<{ id: string; thumbnail: Buffer }>;
  }

  async clearThumbnail(id: string): Promise<void> {
    this.db.prepare(CLEAR_THUMBNAIL).run(id);
  }
}
