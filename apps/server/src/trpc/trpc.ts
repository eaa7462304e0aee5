import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { z } from 'zod';
import { AppError, toPublicError, toTrpcError } from '../http/errors.ts';
import { assertCsrf } from '../modules/auth/csrf.ts';
import { auditAdminMutation } from '../modules/integrity/audit-log.ts';
import type { Context } from './context.ts';

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const isValidation = error.code === 'BAD_REQUEST' && error.cause instanceof z.ZodError;
      const pub = toPublicError(error, ctx?.requestId);
      const reason = isValidation ? 'VALIDATION_FAILED' : pub.body.reason;
      const message = isValidation ? validationMessage(error.cause) : pub.body.message;
      return {
        message,
        code: shape.code,
        data: {
          code: pub.body.code,
          httpStatus: pub.status,
          reason,
          requestId: ctx?.requestId,
          path: shape.data.path,
        },
        reason,
        requestId: ctx?.requestId,
        ...(pub.body.details ? { details: pub.body.details } : {}),
      };
    },
  });

function validationMessage(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'Input validation failed';
  const where = first.path.length ? `${first.path.join('.')}: ` : '';
  return `Invalid input: ${where}${first.message}`;
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Classifies what a procedure threw (a lost database connection becomes 503, not 500) and carries the
 * headers an AppError asks for (Retry-After) onto the HTTP response.
 */
const mapErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (result.ok) return result;
  const error = toTrpcError(result.error);
  if (error instanceof AppError) for (const [k, v] of Object.entries(error.headers)) ctx.res.setHeader(k, v);
  if (error !== result.error) throw error;
  return result;
});

export const publicProcedure = t.procedure.use(mapErrors);

export const authedProcedure = publicProcedure.use(({ ctx, type, next }) => {
  if (!ctx.auth) {
    throw new AppError('UNAUTHORIZED', 'SESSION_REQUIRED', 'Log in to continue');
  }
  if (type === 'mutation') assertCsrf(ctx.config, ctx.auth, ctx.req);
  return next({ ctx: { ...ctx, auth: ctx.auth } });
});

export const adminProcedure = authedProcedure
  .use(({ ctx, next }) => {
    if (ctx.auth.user.role !== 'admin') {
      throw new AppError('FORBIDDEN', 'ADMIN_ONLY', 'Only an admin can do this');
    }
    return next();
  })
  // Every admin mutation that succeeded goes into the audit log (who, what, on which id, when).
  .use(async ({ ctx, type, path, getRawInput, next }) => {
    const result = await next();
    if (type === 'mutation' && result.ok) {
      await auditAdminMutation(ctx, path, await getRawInput().catch(() => undefined));
    }
    return result;
  });

/**
 * `schema` as a procedure's output parser that checks each value once: a value answered again (the same
 * object, kept by an in-memory read cache) gets the answer its first check gave. Values must not be
 * changed after they are answered; read caches never change theirs. The OpenAPI document sees `schema`.
 */
export function checkedOnce<T extends z.ZodType>(schema: T): T {
  type Answer = z.output<T>;
  const answers = new WeakMap<object, Answer>();
  const copy = schema.clone() as T;
  const parse = copy.parse.bind(copy);
  copy.parse = (value: unknown, params?: z.core.ParseContext<z.core.$ZodIssue>): Answer => {
    const key = typeof value === 'object' && value !== null ? value : null;
    const known = key ? answers.get(key) : undefined;
    if (known !== undefined) return known;
    const answer = parse(value, params);
    if (key) answers.set(key, answer);
    return answer;
  };
  return copy;
}
