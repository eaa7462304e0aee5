import { signal } from '@preact/signals';

/** The current path. Two pages do not warrant a router library; the server answers both with index.html. */
export const currentPath = signal(location.pathname);

addEventListener('popstate', () => {
  currentPath.value = location.pathname;
});

export function navigate(to: string): void {
  if (to === location.pathname) return;
  history.pushState(null, '', to);
  currentPath.value = to;
}

/** Click handler for in-app links: plain clicks navigate without a reload, modified clicks keep the browser's. */
export function onLinkClick(event: MouseEvent): void {
  const link = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.pathname);
}
