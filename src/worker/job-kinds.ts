/** The job kinds a worker runs, registered in one place: a new kind plugs in here, not in the runner. */
import { JobKinds } from '../jobs/kinds.js';
import { deleteKind } from '../jobs/kinds/delete.js';
import { dnaKind } from '../jobs/kinds/dna.js';
import { tagKind } from '../jobs/kinds/tag.js';
import type { Services } from '../services/index.js';

export function jobKinds(services: Services): JobKinds {
  const { store, indexes } = services.libraries;
  return new JobKinds()
    .register('dna', dnaKind(store, indexes))
    .register('delete', deleteKind(store, indexes))
    .register('tag', tagKind({ store, indexes, gallery: (account) => services.persons.gallery(account) }));
}
