import type { IncomingMessage } from 'node:http';
import { CSRF_COOKIE, type LoginResult, type Role, SESSION_COOKIE, type User } from '@avatar/contracts';
import { parse as parseCookie } from 'cookie';
import type { CookieOptions, Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { ChangeFeed } from '../../db/change-feed.ts';
import type { Db } from '../../db/database.ts';
import { cachedRead, type ReadCacheSpec } from '../../db/read-cache.ts';
import type { UserRow } from '../../db/tables.ts';
import { AppError } from '../../http/errors.ts';
import { decodeCursor, encodeCursor } from '../../pagination/cursor.ts';
import * as limits from '../rate-limit/rate-limit.repository.ts';
import * as repo from './auth.repository.ts';
import { decoyHash, hashPassword, verifyPassword } from './password.ts';
import { csrfTokenFor, hashToken, newSessionToken } from './tokens.ts';

export interface AuthenticatedUser {
  user: User;
  token: string;
  via: 'cookie' | 'bearer';
}

interface AuthDeps {
  config: Config;
  db: Db;
  changes?: ChangeFeed;
}

export function toUser(row: Pick<UserRow, 'id' | 'email' | 'role' | 'created_at' | 'last_seen_at'>): User {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
  };
}

function readToken(req: IncomingMessage): { token: string; via: AuthenticatedUser['via'] } | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return { token: header.slice(7).trim(), via: 'bearer' };
  const cookie = req.headers.cookie ? parseCookie(req.headers.cookie)[SESSION_COOKIE] : undefined;
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/** `last_seen_at` is kept to this resolution (the repository's update uses the same five minutes). */
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

/**
 * Live sessions by token hash, kept in memory until a session ends anywhere (the `sessions` channel) and
 * for a minute at most; expiry is checked on every use. Most requests then cost no database round trip.
 */
const SESSIONS: ReadCacheSpec = {
  name: 'sessions',
  channel: 'sessions',
  maxEntries: 10_000,
  maxAgeMs: 60_000,
};

/** The caller, or null. A token that names no live session counts as no session at all. */
export async function resolveSession(
  { db, changes }: AuthDeps,
  req: IncomingMessage,
): Promise<AuthenticatedUser | null> {
  const found = readToken(req);
  if (!found || found.token.length > 200) return null;
  const tokenHash = hashToken(found.token);
  const row = await cachedRead(
    changes,
    SESSIONS,
    tokenHash,
    () => repo.findLiveSession(db, tokenHash),
    (live) => live !== undefined,
  );
  if (!row || row.expires_at.getTime() <= Date.now()) return null;
  // The row says when it was last stamped: most requests need no write (the update re-checks the age).
  const seen = row.last_seen_at?.getTime() ?? 0;
  if (Date.now() - seen > LAST_SEEN_RESOLUTION_MS) {
    await repo.touchLastSeen(db, row.id);
    // The kept row (shared by this user's later requests) learns of the stamp, so they do not write again.
    row.last_seen_at = new Date();
  }
  return { user: toUser(row), token: found.token, via: found.via };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Failed logins are counted per account and per address in PostgreSQL (shared by every API process):
 * past a first threshold each attempt is slowed down, past the second it is refused with 429 until the
 * window ends.
 */
async function throttle({ config, db }: AuthDeps, email: string, address: string): Promise<void> {
  const window = config.LOGIN_WINDOW_SECONDS;
  const [account, ip] = await Promise.all([
    limits.peek(db, `login:account:${email}`, window),
    limits.peek(db, `login:address:${address}`, window),
  ]);
  const blocked =
    account.count >= config.LOGIN_MAX_FAILURES
      ? account
      : ip.count >= config.LOGIN_ADDRESS_MAX_FAILURES
        ? ip
        : null;
  if (blocked) {
    const seconds = Math.max(1, Math.ceil((blocked.resetsAt.getTime() - Date.now()) / 1000));
    throw new AppError(
      'TOO_MANY_REQUESTS',
      'RATE_LIMITED',
      `Too many failed logins; try again in ${seconds} s`,
      {
        headers: { 'retry-after': String(seconds) },
      },
    );
  }
  const over = Math.max(account.count, ip.count) - config.LOGIN_SLOWDOWN_AFTER + 1;
  if (over > 0) await delay(Math.min(2_000, 200 * over));
}

export async function login(
  deps: AuthDeps,
  input: { email: string; password: string },
  address: string,
): Promise<LoginResult> {
  const { config, db } = deps;
  await throttle(deps, input.email, address);
  const user = await repo.findUserByEmail(db, input.email);
  const ok = await verifyPassword(input.password, user?.password_hash ?? (await decoyHash));
  if (!user || !ok) {
    await Promise.all([
      limits.hit(db, `login:account:${input.email}`, config.LOGIN_WINDOW_SECONDS),
      limits.hit(db, `login:address:${address}`, config.LOGIN_WINDOW_SECONDS),
    ]);
    throw new AppError('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'Wrong email or password');
  }
  await limits.reset(db, `login:account:${input.email}`);
  const token = newSessionToken();
  const expiresAt = new Date(Date.now() + config.SESSION_TTL_HOURS * 3_600_000);
  await repo.insertSession(db, hashToken(token), user.id, expiresAt);
  await repo.touchLastSeen(db, user.id);
  return {
    token,
    csrfToken: csrfTokenFor(config.SESSION_SECRET, token),
    expiresAt: expiresAt.toISOString(),
    user: toUser({ ...user, last_seen_at: user.last_seen_at ?? new Date() }),
  };
}

export async function logout({ db }: AuthDeps, auth: AuthenticatedUser): Promise<void> {
  await repo.deleteSession(db, hashToken(auth.token));
}

function cookieOptions(config: Config, httpOnly: boolean, expires?: Date): CookieOptions {
  return {
    httpOnly,
    secure: config.COOKIE_SECURE,
    sameSite: 'lax',
    path: '/',
    ...(expires ? { expires } : {}),
  };
}

export function setSessionCookies(config: Config, res: Response, result: LoginResult): void {
  const expires = new Date(result.expiresAt);
  res.cookie(SESSION_COOKIE, result.token, cookieOptions(config, true, expires));
  // Readable by the page's script, which echoes it in the CSRF header.
  res.cookie(CSRF_COOKIE, result.csrfToken, cookieOptions(config, false, expires));
}

export function clearSessionCookies(config: Config, res: Response): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(config, true));
  res.clearCookie(CSRF_COOKIE, cookieOptions(config, false));
}

export async function createUser(
  { db }: AuthDeps,
  input: { email: string; password: string; role: Role },
): Promise<User> {
  const row = await repo.insertUser(db, {
    email: input.email,
    password_hash: await hashPassword(input.password),
    role: input.role,
  });
  if (!row) throw new AppError('CONFLICT', 'EMAIL_TAKEN', 'A user with this email already exists');
  return toUser(row);
}

export async function setRole({ db }: AuthDeps, id: string, role: Role): Promise<User> {
  const before = await repo.findUserById(db, id);
  const row = await repo.updateUserRole(db, id, role);
  if (!row) throw new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No such user');
  // A changed role ends the user's sessions: the next request of a demoted admin has no admin rights (it
  // has no session at all), and the next login issues a new session id (issue 10).
  if (before?.role !== role) await repo.deleteUserSessions(db, id);
  return toUser(row);
}

const UserCursor = z.tuple([z.iso.datetime(), z.uuid()]);

export async function listUsers({ config, db }: AuthDeps, limit: number, cursor?: string) {
  const after = cursor ? decodeCursor(config.SESSION_SECRET, 'users', cursor, UserCursor) : undefined;
  const rows = await repo.listUsers(db, limit + 1, after && { createdAt: new Date(after[0]), id: after[1] });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor(config.SESSION_SECRET, 'users', [last.created_at.toISOString(), last.id])
      : null;
  return { items: page.map(toUser), nextCursor };
}

/** Creates the development users named in the config when they do not exist yet. */
export async function ensureDevUsers(deps: AuthDeps): Promise<string[]> {
  const { config, db } = deps;
  const wanted = [
    { email: config.DEV_ADMIN_EMAIL, password: config.DEV_ADMIN_PASSWORD, role: 'admin' as const },
    { email: config.DEV_PLAYER_EMAIL, password: config.DEV_PLAYER_PASSWORD, role: 'player' as const },
  ];
  const created: string[] = [];
  for (const { email, password, role } of wanted) {
    if (!email || !password || (await repo.findUserByEmail(db, email.toLowerCase()))) continue;
    await repo.insertUser(db, {
      email: email.toLowerCase(),
      password_hash: await hashPassword(password),
      role,
    });
    created.push(email);
  }
  return created;
}
