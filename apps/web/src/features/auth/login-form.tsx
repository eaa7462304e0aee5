import { useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import { logIn } from './session.ts';

export function LoginForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await logIn({ email, password });
    } catch (failure) {
      setError(humanMessage(failure));
      setPending(false);
    }
  }

  return (
    <section class="login-card">
      <h1>Sign in</h1>
      <p class="muted">Build your avatar, see it live in 3D, export it anywhere.</p>
      <form data-testid="login-form" onSubmit={submit}>
        <label>
          <span>Email</span>
          <input
            name="email"
            type="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          <span>Password</span>
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="form-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="button primary" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
