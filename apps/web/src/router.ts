import { signal } from '@preact/signals';

/** The current path. Two pages do not warrant a router library; the server answers both with index.html. */
export const currentPath = signal(location.pathname);

/** A one-time message for the page navigated to ("admins only"); cleared on the next navigation. */
export const notice = signal<string | null>(null);

addEventListener('popstate', () => {
  currentPath.value = location.pathname;
  notice.value = null;
});

export function navigate(to: string): void {
  if (to === location.pathname) return;
  history.pushState(null, '', to);
  currentPath.value = to;
  notice.value = null;
}

/** Sends the user elsewhere with a reason, replacing the history entry so Back does not bounce them again. */
export function redirect(to: string, message: string): void {
  if (to !== location.pathname) history.replaceState(null, '', to);
  currentPath.value = to;
  notice.value = message;
}

export function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/');
}

/** Click handler for in-app links: plain clicks navigate without a reload, modified clicks keep the browser's. */
export function onLinkClick(event: MouseEvent): void {
  const link = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.pathname);
}
