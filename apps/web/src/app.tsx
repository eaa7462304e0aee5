import { useEffect } from 'preact/hooks';
import { AdminRoute } from './features/admin/admin-route.tsx';
import { LoginForm } from './features/auth/login-form.tsx';
import { loadSession, session } from './features/auth/session.ts';
import { UserBadge } from './features/auth/user-badge.tsx';
import { EditorPage } from './features/editor/editor-page.tsx';
import { currentPath, isAdminPath, notice, onLinkClick, redirect } from './router.ts';

export const ADMINS_ONLY = 'The admin area is for catalog admins only, so you are back in the editor.';

/** The shell; main.tsx has already started loading the session. */
export function App() {
  const state = session.value;
  const path = currentPath.value;
  const user = state.status === 'authenticated' ? state.user : null;
  const wrongRole = user !== null && user.role !== 'admin' && isAdminPath(path);

  useEffect(() => {
    if (wrongRole) redirect('/', ADMINS_ONLY);
  }, [wrongRole]);

  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="/" onClick={onLinkClick}>
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">Avatar Studio</span>
        </a>
        {user?.role === 'admin' && (
          <nav class="nav" aria-label="Main">
            <a
              href="/"
              class={isAdminPath(path) ? '' : 'active'}
              aria-current={isAdminPath(path) ? undefined : 'page'}
              onClick={onLinkClick}
            >
              Editor
            </a>
            <a
              href="/admin"
              class={isAdminPath(path) ? 'active' : ''}
              aria-current={isAdminPath(path) ? 'page' : undefined}
              onClick={onLinkClick}
            >
              Admin
            </a>
          </nav>
        )}
        {user && <UserBadge user={user} />}
      </header>
      {notice.value && user && (
        <div class="notice" role="alert" data-testid="notice">
          <span>{notice.value}</span>
          <button
            type="button"
            class="icon-button"
            aria-label="Dismiss"
            onClick={() => (notice.value = null)}
          >
            ×
          </button>
        </div>
      )}
      <main class={`content${user ? ' wide' : ''}`}>
        {state.status === 'loading' && <p class="muted center">Loading…</p>}
        {state.status === 'unavailable' && (
          <section class="panel center" role="alert">
            <h1>Can't load your session</h1>
            <p class="muted">{state.message}</p>
            <button type="button" class="button primary" onClick={() => void loadSession()}>
              Try again
            </button>
          </section>
        )}
        {state.status === 'anonymous' && <LoginForm />}
        {user && (isAdminPath(path) && !wrongRole ? <AdminRoute /> : <EditorPage user={user} />)}
      </main>
    </div>
  );
}
