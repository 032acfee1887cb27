/**
 * The person registry: the people an account registers from face photos, so that smart tagging names
 * them. A photo gives the descriptor of its largest face (tried upright if stored sideways); several
 * photos of one person widen what counts as them.
 */
import type { Caller } from '../access/caller.js';
import { VdnaError } from '../errors.js';
import type { FaceStore } from '../store/faces.js';
import type { PersonRecord, PersonStore } from '../store/persons.js';
import { createFaceEngine } from '../tagging/faces.js';
import { readImage } from '../tagging/image.js';
import { facesOfPhoto, PersonGallery } from '../tagging/persons.js';
import type { Guard } from './guard.js';
import { checkPersonName } from './names.js';

const resource = (name: string) => `person/${name}`;
export const MAX_PHOTOS_PER_CALL = 20;

export interface PersonSummary {
  name: string;
  /** Descriptors registered: one per photo (or named face). */
  faces: number;
  createdAt: string;
}

const summary = (p: PersonRecord): PersonSummary => ({ name: p.name, faces: p.descriptors.length, createdAt: p.createdAt });

export class PersonService {
  constructor(
    private readonly store: PersonStore,
    private readonly faces: FaceStore,
    private readonly guard: Guard,
  ) {}

  /** Registers `name` from photos (local files), or adds them to the person of that name. */
  add(caller: Caller, name: string, photos: string[]): Promise<PersonSummary> {
    return this.guard.run(caller, 'vdna:AddPerson', resource(name), async () => {
      checkPersonName(name);
      if (photos.length === 0 || photos.length > MAX_PHOTOS_PER_CALL) throw new VdnaError('INVALID_ARGUMENT', `give 1-${MAX_PHOTOS_PER_CALL} photos`);
      const engine = await createFaceEngine();
      const descriptors: number[][] = [];
      try {
        for (const photo of photos) {
          const [face] = await facesOfPhoto(engine, await readImage(photo));
          if (!face) throw new VdnaError('INVALID_ARGUMENT', `no face found in ${photo}`);
          descriptors.push([...face.descriptor]);
        }
      } finally {
        await engine.close();
      }
      return summary(await this.store.addDescriptors(caller.account, name, descriptors));
    });
  }

  /** Registers `name` from faces smart tagging found (their ids, from a result's Person tags), or adds them to that person. */
  addFaces(caller: Caller, name: string, faceIds: string[]): Promise<PersonSummary> {
    return this.guard.run(caller, 'vdna:AddPerson', resource(name), async () => {
      checkPersonName(name);
      const ids = [...new Set(faceIds)];
      if (ids.length === 0 || ids.length > MAX_PHOTOS_PER_CALL) throw new VdnaError('INVALID_ARGUMENT', `give 1-${MAX_PHOTOS_PER_CALL} face ids`);
      const descriptors: number[][] = [];
      for (const id of ids) {
        const face = typeof id === 'string' ? await this.faces.get(caller.account, id) : undefined;
        if (!face) throw new VdnaError('UNKNOWN_FACE', `no face with id "${id}"`);
        descriptors.push(face.descriptor);
      }
      return summary(await this.store.addDescriptors(caller.account, name, descriptors));
    });
  }

  /** The registered persons the caller may see, by name. */
  async list(caller: Caller): Promise<PersonSummary[]> {
    const all = await this.store.persons(caller.account);
    return all.filter((p) => this.guard.allowed(caller, 'vdna:ListPersons', resource(p.name))).map(summary);
  }

  remove(caller: Caller, name: string): Promise<void> {
    return this.guard.run(caller, 'vdna:RemovePerson', resource(name), async () => {
      if (!(await this.store.remove(caller.account, name))) throw new VdnaError('UNKNOWN_PERSON', `no person named "${name}"`);
    });
  }

  /** The account's registered people as a gallery faces are matched against (the tagging pipeline's input). */
  async gallery(account: string): Promise<PersonGallery> {
    const gallery = new PersonGallery();
    for (const person of await this.store.persons(account)) person.descriptors.forEach((d) => gallery.add(person.name, d));
    return gallery;
  }
}
