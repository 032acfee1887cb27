/** Faces found by smart tagging, in the embedded engine's database. */
import type Database from 'better-sqlite3';
import type { FaceRecord, FaceStore, NewFace } from '../faces.js';
import { FACE_INSERT, toFace, type FaceRow } from '../sql/records.js';

/** Writes faces in the caller's transaction (a job's end stores its faces with it). */
export function putFaces(db: Database.Database, account: string, jobId: string | undefined, faces: NewFace[]): void {
  const insert = db.prepare(FACE_INSERT);
  const now = new Date().toISOString();
  for (const f of faces) insert.run(f.id, account, jobId ?? null, JSON.stringify(f.descriptor), f.thumbnail, now);
}

export class SqliteFaceStore implements FaceStore {
  constructor(private readonly db: Database.Database) {}

  async put(account: string, faces: NewFace[]): Promise<void> {
    this.db.transaction(() => putFaces(this.db, account, undefined, faces)).immediate();
  }

  async get(account: string, id: string): Promise<FaceRecord | undefined> {
    const face = await this.byId(id);
    return face?.account === account ? face : undefined;
  }

  async byId(id: string): Promise<FaceRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM faces WHERE id = ?').get(id) as FaceRow | undefined;
    return row && toFace(row);
  }
}
