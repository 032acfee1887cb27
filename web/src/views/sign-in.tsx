/** Sign-in with an API key (its bearer token), kept for this tab's session only. */
import { useState } from 'preact/hooks';
import { ErrorNote } from '../components/common.js';

export function SignIn({ onSignIn, error }: { onSignIn: (key: string) => Promise<void>; error?: unknown }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="sign-in">
      <h1>vdna</h1>
      <p>Media DNA: find copies of your videos, sound and text, and see which seconds match.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          await onSignIn(key.trim());
          setBusy(false);
        }}
      >
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="vdna_…" />
        <p class="hint">The key (its token) is kept in this browser tab only, until you sign out or close the tab.</p>
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error ? <ErrorNote error={typeof error === 'string' ? new Error(error) : error} /> : null}
    </main>
  );
}
