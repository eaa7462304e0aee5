import type { LoginInput, User } from '@avatar/contracts';
import { signal } from '@preact/signals';
import { humanMessage, isUnauthorized } from '../../api/errors.ts';
import { api } from '../../api/trpc.ts';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'authenticated'; user: User }
  | { status: 'unavailable'; message: string };

export const session = signal<SessionState>({ status: 'loading' });

/** Asks the server who is logged in; the session lives in an httpOnly cookie the page cannot read. */
export async function loadSession(): Promise<void> {
  try {
    session.value = { status: 'authenticated', user: await api.auth.me.query() };
  } catch (error) {
    session.value = isUnauthorized(error)
      ? { status: 'anonymous' }
      : { status: 'unavailable', message: humanMessage(error) };
  }
}

/** Throws on failure, so the form can show the server's message beside the fields. */
export async function logIn(input: LoginInput): Promise<void> {
  const result = await api.auth.login.mutate(input);
  session.value = { status: 'authenticated', user: result.user };
}

/** An expired session is already the wanted outcome, so a 401 counts as success. */
export async function logOut(): Promise<void> {
  try {
    await api.auth.logout.mutate();
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
  }
  session.value = { status: 'anonymous' };
}
