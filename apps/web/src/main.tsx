import { CSRF_COOKIE } from '@avatar/contracts/constants';
import { render } from 'preact';
import { readCookie } from './api/cookies.ts';
import { App } from './app.tsx';
import { loadSession } from './features/auth/session.ts';
import { preloadConfig } from './features/editor/editor-store.ts';
import { isAdminPath } from './router.ts';
import './styles.css';

// Before the first render: who is signed in and, on a page that looks signed in (the CSRF cookie lives
// as long as the session), the editor's saved avatar, in one round trip while the UI code runs.
void loadSession();
if (!isAdminPath(location.pathname) && readCookie(CSRF_COOKIE)) preloadConfig();

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
render(<App />, root);
