import { useEffect } from 'preact/hooks';
import { AdminPage } from './features/admin/admin-page.tsx';
import { LoginForm } from './features/auth/login-form.tsx';
import { loadSession, session } from './features/auth/session.ts';
import { UserBadge } from './features/auth/user-badge.tsx';
import { SceneView } from './features/viewer/scene-view.tsx';
import { currentPath, onLinkClick } from './router.ts';

function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/');
}

export function App() {
  useEffect(() => {
    void loadSession();
  }, []);

  const state = session.value;
  const path = currentPath.value;
  const user = state.status === 'authenticated' ? state.user : null;

  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="/" onClick={onLinkClick}>
          <span class="brand-mark" aria-hidden="true" />
          Avatar Studio
        </a>
        {user?.role === 'admin' && (
          <nav class="nav">
            <a href="/" class={isAdminPath(path) ? '' : 'active'} onClick={onLinkClick}>
              Editor
            </a>
            <a href="/admin" class={isAdminPath(path) ? 'active' : ''} onClick={onLinkClick}>
              Admin
            </a>
          </nav>
        )}
        {user && <UserBadge user={user} />}
      </header>
      <main class="content">
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
        {user && (isAdminPath(path) ? <AdminPage user={user} /> : <EditorPage />)}
      </main>
    </div>
  );
}

function EditorPage() {
  return (
    <section class="editor">
      <div class="editor-heading">
        <h1>Your avatar</h1>
        <p class="muted">The default shape until you pick a model from the catalog.</p>
      </div>
      <SceneView />
    </section>
  );
}
