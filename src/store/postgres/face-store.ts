/** Faces found by smart tagging, in PostgreSQL. */
import type { FaceRecord, FaceStore, NewFace } from '../faces.js';
import { FACE_INSERT, toFace, type FaceRow } from '../sql/records.js';
import type { Database, Sql } from './database.js';

/** Writes faces in the caller's transaction (a job's end stores its faces with it). */
export async function putFaces(tx: Sql, account: string, jobId: string | undefined, faces: NewFace[]): Promise<void> {
  const now = new Date().toISOString();
  for (const f of faces) await tx.run(FACE_INSERT, [f.id, account, jobId ?? null, JSON.stringify(f.descriptor), f.thumbnail, now]);
}

export class PgFaceStore implements FaceStore {
  constructor(private readonly db: Database) {}

  async put(account: string, faces: NewFace[]): Promise<void> {
    await this.db.transaction((tx) => putFaces(tx, account, undefined, faces));
  }

  async get(account: string, id: string): Promise<FaceRecord | undefined> {
    const face = await this.byId(id);
    return face?.account === account ? face : undefined;
  }

  async byId(id: string): Promise<FaceRecord | undefined> {
    const row = await this.db.row<FaceRow>('SELECT * FROM faces WHERE id = ?', [id]);
    return row && toFace(row);
  }
}
