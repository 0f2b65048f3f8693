import { useState } from 'preact/hooks';
import { api, ApiError, describeError } from '../api/client';
import { session } from '../api/session';
import { ErrorMessage } from '../components/ui';
import { usePageTitle } from '../lib/hooks';

/** Checks the key with a read call: 401 means unknown, revoked or expired; 403 is a valid key without the read scope. */
async function checkKey(key: string): Promise<string | undefined> {
  try {
    await api.get('/memory/conversations', { query: { limit: 1 }, key });
    return undefined;
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return undefined;
    throw err;
  }
}

/** Sign-in with an API key, kept for this browser tab only. */
export function SignInPage() {
  usePageTitle('Sign in');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [checking, setChecking] = useState(false);
  const reason = session.reason;

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const candidate = key.trim();
    if (!candidate) return;
    setChecking(true);
    setError(undefined);
    try {
      await checkKey(candidate);
      session.signIn(candidate);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('TARS refused this key: it is unknown, revoked or expired. Check it and try again.');
      else setError(describeError(err));
    } finally {
      setChecking(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <form class="sign-in-card stack" onSubmit={(event) => void submit(event)} aria-labelledby="page-title">
        <h1 id="page-title">Sign in to TARS</h1>
        {reason && !error && <ErrorMessage error={reason} />}
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          autoFocus
          placeholder="tars_…"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          aria-describedby="api-key-help"
          aria-invalid={error ? 'true' : undefined}
        />
        <p id="api-key-help" class="muted small">
          The key is kept in this browser tab only and forgotten when you sign out or close the tab. A single PC prints its admin key at first start and saves it in{' '}
          <code>~/.local/share/tars/admin.key</code>; <code>tars keys create</code> makes more.
        </p>
        <ErrorMessage error={error} />
        <button type="submit" class="primary" disabled={checking || key.trim() === ''}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
