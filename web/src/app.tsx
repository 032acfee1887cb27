/** The page: sign-in until a key is accepted, then the views, under a header with the navigation. */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { ErrorNote } from './components/common.js';
import { forgetMediaUrls } from './components/media.js';
import { can, ensurePermissions, forgetPermissions } from './permissions.js';
import { href, useRoute, type Route } from './router.js';
import { session, type Identity } from './session.js';
import { JobView } from './views/job.js';
import { JobsView } from './views/jobs.js';
import { LibrariesView } from './views/libraries.js';
import { LibraryView } from './views/library.js';
import { PersonsView } from './views/persons.js';
import { SignIn } from './views/sign-in.js';
import { SubmitView } from './views/submit.js';

/** What the navigation offers, each only when the key may do it somewhere. */
const NAV_CHECKS = [
  { action: 'vdna:ListLibraries' },
  { action: 'vdna:SubmitJob' },
  { action: 'vdna:ListJobs' },
  { action: 'vdna:ListPersons' },
];

export function App() {
  const [identity, setIdentity] = useState<Identity | undefined>();
  const [checking, setChecking] = useState(() => session.key() !== undefined);
  const [error, setError] = useState<unknown>();
  const route = useRoute();

  async function signIn(key: string) {
    session.start(key);
    forgetPermissions();
    forgetMediaUrls();
    try {
      const who = await api<Identity>('GET', '/v1/caller');
      await ensurePermissions(NAV_CHECKS);
      setIdentity(who);
      setError(undefined);
    } catch (err) {
      session.end();
      setError(err);
    } finally {
      setChecking(false);
    }
  }

  useEffect(() => {
    const key = session.key();
    if (key) void signIn(key);
    return session.onEnd(() => {
      setIdentity(undefined);
      forgetPermissions();
      forgetMediaUrls();
    });
  }, []);

  if (checking) return <p class="loading">Signing in…</p>;
  if (!identity) return <SignIn onSignIn={signIn} error={error ?? session.expiredBecause()} />;

  const links: [string, string, boolean, Route['page'][]][] = [
    ['Libraries', href.libraries(), can('vdna:ListLibraries'), ['libraries', 'library']],
    ['Submit', href.submit(), can('vdna:SubmitJob'), ['submit']],
    ['Jobs', href.jobs(), can('vdna:ListJobs'), ['jobs', 'job']],
    ['Persons', href.persons(), can('vdna:ListPersons'), ['persons']],
  ];
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">vdna</span>
        <nav aria-label="Main">
          <ul>
            {links
              .filter(([, , allowed]) => allowed)
              .map(([label, url, , pages]) => (
                <li key={label}>
                  <a href={url} aria-current={pages.includes(route.page) ? 'page' : undefined}>
                    {label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <span class="who" title={identity.AccessKeyId}>
          {identity.Account}
          {identity.Root ? ' (root)' : ''}
        </span>
        <button type="button" class="quiet" onClick={() => session.end()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorNote error={error} />
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'libraries':
      return <LibrariesView />;
    case 'library':
      return <LibraryView name={route.name} />;
    case 'submit':
      return <SubmitView library={route.library} />;
    case 'jobs':
      return <JobsView />;
    case 'job':
      return <JobView id={route.id} />;
    case 'persons':
      return <PersonsView />;
  }
}
