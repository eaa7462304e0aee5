import type { User } from '@avatar/contracts';

export function AdminPage({ user }: { user: User }) {
  if (user.role !== 'admin') {
    return (
      <section class="panel">
        <h1>Admins only</h1>
        <p class="muted">This area is for catalog admins. Your account is a {user.role} account.</p>
      </section>
    );
  }
  return (
    <section class="panel" data-testid="admin-page">
      <h1>Admin</h1>
      <p class="muted">Catalog management lives here: uploads, validation reports, versions and search.</p>
    </section>
  );
}
