/** Pages by the URL's hash (#/jobs/ID), so that every view has an address and the server serves one page. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'libraries' }
  | { page: 'library'; name: string }
  | { page: 'submit'; library?: string }
  | { page: 'jobs' }
  | { page: 'job'; id: string }
  | { page: 'persons' };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'libraries':
      return parts[1] ? { page: 'library', name: parts[1] } : { page: 'libraries' };
    case 'submit':
      return { page: 'submit', library: new URLSearchParams(query).get('library') ?? undefined };
    case 'jobs':
      return parts[1] ? { page: 'job', id: parts[1] } : { page: 'jobs' };
    case 'persons':
      return { page: 'persons' };
    default:
      return { page: 'libraries' };
  }
}

export const href = {
  libraries: () => '#/libraries',
  library: (name: string) => `#/libraries/${encodeURIComponent(name)}`,
  submit: (library?: string) => `#/submit${library ? `?library=${encodeURIComponent(library)}` : ''}`,
  jobs: () => '#/jobs',
  job: (id: string) => `#/jobs/${encodeURIComponent(id)}`,
  persons: () => '#/persons',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
