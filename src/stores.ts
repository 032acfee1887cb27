/** Every store an engine provides; the services and the runner see only these contracts. */
import type { AccessStore } from './access/store.js';
import type { JobQueue } from './jobs/queue.js';
import type { Outbox } from './notify/outbox.js';
import type { MediaStore } from './store/media.js';
import type { FaceStore } from './store/faces.js';
import type { PersonStore } from './store/persons.js';
import type { LibraryStore } from './store/store.js';

export interface Stores {
  libraries: LibraryStore;
  jobs: JobQueue;
  outbox: Outbox;
  access: AccessStore;
  media: MediaStore;
  persons: PersonStore;
  faces: FaceStore;
  close(): void;
}
