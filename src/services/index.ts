/**
 * The services on one engine's stores: what every door (HTTP API, CLI, the cloud doors) calls.
 * The embedded engine (SQLite in the data directory) is the default; VDNA_DATABASE_URL picks PostgreSQL.
 */
import { loadMasterKey, SecretBox } from '../access/secrets.js';
import type { InputConfig, InputSettings } from '../jobs/inputs.js';
import { JobResults, type ResultRendering } from '../jobs/results.js';
import { moveThumbnails } from '../store/faces.js';
import type { CallbackChecks } from '../notify/callbacks.js';
import { openStores, type Stores } from '../stores.js';
import { AccessService, type AccessConfig } from './access-service.js';
import { Guard } from './guard.js';
import { JobService } from './job-service.js';
import { LibraryIndexes } from '../match/library-indexes.js';
import { LibraryService } from './library-service.js';
import { MediaService } from './media-service.js';
import { PersonService } from './person-service.js';

export interface ServiceSettings {
  /** Where jobs' media come from (the media registry and the blobs are the stores'). */
  inputs: InputSettings;
  callbacks: CallbackChecks;
  access: AccessConfig;
  /** The key that seals stored secrets and signs result URLs (default: VDNA_MASTER_KEY or DATA/master.key). */
  masterKey?: Buffer;
  /**
   * The doors' renderings of a job's result kept beside it as blobs (by name), for result URLs that
   * object storage serves: given by whoever runs or serves jobs (services import no door).
   */
  renderings?: Record<string, ResultRendering>;
}

export interface Services {
  stores: Stores;
  libraries: LibraryService;
  jobs: JobService;
  media: MediaService;
  persons: PersonService;
  access: AccessService;
  /** Where jobs' media come from, with the media registry: what the runner stages them with. */
  inputs: InputConfig;
  /** Jobs' results as blobs: what the runner keeps them with. */
  results: JobResults;
  /**
   * Moves what an older vdna kept in the database into the blobs: faces' thumbnails and jobs' results
   * (a server's start; each moved once, whichever server moves it).
   */
  moveToBlobs(): Promise<{ thumbnails: number; results: number }>;
  close(): Promise<void>;
}

export function createServices(stores: Stores, masterKey: Buffer, settings: Omit<ServiceSettings, 'masterKey'>): Services {
  const guard = new Guard(stores.access);
  const libraries = new LibraryService(stores.libraries, new LibraryIndexes(stores.libraries, stores.frameKeys), guard);
  const inputs: InputConfig = { ...settings.inputs, media: stores.media, blobs: stores.blobs };
  const media = new MediaService(stores.media, guard, inputs);
  const results = new JobResults(stores.jobs, stores.blobs, settings.renderings);
  const jobs = new JobService(stores.jobs, stores.outbox, stores.faces, libraries, media, guard, inputs, settings.callbacks, results);
  libraries.onDeleted = (account, name) => jobs.cancelForLibrary(account, name);
  return {
    stores,
    libraries,
    jobs,
    media,
    persons: new PersonService(stores.persons, stores.faces, guard),
    inputs,
    results,
    access: new AccessService(stores.access, new SecretBox(masterKey), guard, settings.access),
    moveToBlobs: async () => ({ thumbnails: await moveThumbnails(stores.faces, stores.blobs), results: await results.moveStored() }),
    close: () => stores.close(),
  };
}

/** The services on the data directory's stores (or the database VDNA_DATABASE_URL names). */
export async function openServices(dataDir: string, settings: ServiceSettings): Promise<Services> {
  return createServices(await openStores(dataDir), settings.masterKey ?? loadMasterKey(dataDir), settings);
}

/** Settings for services used from this process only: the CLI and the library API (no network inputs, no callbacks). */
export function localSettings(dataDir: string): ServiceSettings {
  return {
    inputs: { stagingDir: `${dataDir}/staging`, maxBytes: 0, downloadTimeoutMs: 0, urlPolicy: { allow: [] }, allowedRoots: [] },
    callbacks: { urlPolicy: { allow: [] } },
    access: { rateLimit: 0, resultUrlTtlSeconds: 3600 },
  };
}
