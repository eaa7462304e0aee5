import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Loaded = { status: 'loading' } | { status: 'ready'; Page: FunctionComponent } | { status: 'failed' };

/**
 * /admin for admins. The admin screens (and, through them, the validator and glTF-Transform) are a
 * chunk of their own, fetched here and never by the player's editor. Players never get this far:
 * the app sends them back before rendering it.
 */
export function AdminRoute() {
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setLoaded({ status: 'loading' });
    import('./admin-page.tsx')
      .then(({ AdminPage }) => !cancelled && setLoaded({ status: 'ready', Page: AdminPage }))
      .catch(() => !cancelled && setLoaded({ status: 'failed' }));
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  if (loaded.status === 'ready') return <loaded.Page />;
  if (loaded.status === 'failed') {
    return (
      <section class="panel center" role="alert">
        <h1>Admin didn't load</h1>
        <p class="muted">The admin screens could not be downloaded. Check your connection and try again.</p>
        <button type="button" class="button primary" onClick={() => setAttempt(attempt + 1)}>
          Try again
        </button>
      </section>
    );
  }
  return (
    <p class="muted center" role="status">
      Loading the admin screens…
    </p>
  );
}
