import { z } from 'zod';

export const roles = ['player', 'admin'] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'Enter a valid email address' }));

export const Password = z
  .string()
  .min(8, 'Passwords have at least 8 characters')
  .max(256, 'Passwords have at most 256 characters');

export const User = z.object({
  id: z.uuid(),
  email: z.string(),
  role: Role,
  createdAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime().nullable(),
});
export type User = z.infer<typeof User>;

export const LoginInput = z.object({
  email: Email,
  // Not the Password rule: a login must not tell which passwords could exist.
  password: z.string().min(1, 'Enter your password').max(256),
});
export type LoginInput = z.infer<typeof LoginInput>;

export const LoginResult = z.object({
  token: z.string(),
  csrfToken: z.string(),
  expiresAt: z.iso.datetime(),
  user: User,
});
export type LoginResult = z.infer<typeof LoginResult>;

export const CreateUserInput = z.object({ email: Email, password: Password, role: Role.default('player') });
export type CreateUserInput = z.infer<typeof CreateUserInput>;

export const SetRoleInput = z.object({ id: z.uuid(), role: Role });
export type SetRoleInput = z.infer<typeof SetRoleInput>;

export const ListUsersInput = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const UserPage = z.object({ items: z.array(User), nextCursor: z.string().nullable() });
export type UserPage = z.infer<typeof UserPage>;
