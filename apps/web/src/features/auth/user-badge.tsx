import type { User } from '@avatar/contracts';
import { useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import { logOut } from './session.ts';

export function UserBadge({ user }: { user: User }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onLogOut() {
    setPending(true);
    setError(null);
    try {
      await logOut();
    } catch (failure) {
      setError(humanMessage(failure));
      setPending(false);
    }
  }

  return (
    <div class="user-badge" data-testid="user-badge">
      <span class="avatar-dot" aria-hidden="true">
        {user.email.slice(0, 1).toUpperCase()}
      </span>
      <span class="user-email" data-testid="user-email">
        {user.email}
      </span>
      <span class={`role role-${user.role}`} data-testid="user-role">
        {user.role}
      </span>
      <button type="button" class="button ghost" onClick={onLogOut} disabled={pending}>
        {pending ? 'Logging out…' : 'Log out'}
      </button>
      {error && (
        <span class="badge-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
