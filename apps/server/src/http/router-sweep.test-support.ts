import type { Express } from 'express';
import { appRouter } from '../trpc/router.ts';
import { adminProcedure, authedProcedure } from '../trpc/trpc.ts';

/**
 * Test-only introspection of the real router, for sweeps that must cover a new procedure without anyone
 * listing it: which procedures there are, who may call them, which of their inputs are ids, and how to call
 * them over tRPC or their REST path. tRPC and zod expose no public API for this, so it reads `_def`.
 */

interface ZodLike {
  _zod: { def: Record<string, unknown> & { type: string } };
}
interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  middlewares: unknown[];
  inputs: ZodLike[];
  meta?: { openapi?: { method: string; path: string } };
}
export interface SweptProcedure {
  name: string;
  def: ProcedureDef;
  access: 'public' | 'authed' | 'admin';
  /** Input paths (`subject.assetId`, `parts.accessories[]`) that take an id. */
  idFields: string[];
}

const lastMiddleware = (procedure: unknown) =>
  (procedure as { _def: { middlewares: unknown[] } })._def.middlewares.at(-1);
// The last middleware each builder adds comes only with it: the session check, the admin audit.
const sessionCheck = lastMiddleware(authedProcedure);
const adminCheck = lastMiddleware(adminProcedure);

/** Every procedure of `appRouter`, with its access level and id fields. */
export function routerProcedures(): SweptProcedure[] {
  const procedures = (
    appRouter as unknown as { _def: { procedures: Record<string, { _def: ProcedureDef }> } }
  )._def.procedures;
  return Object.entries(procedures).map(([name, { _def: def }]) => ({
    name,
    def,
    access: def.middlewares.includes(adminCheck)
      ? 'admin'
      : def.middlewares.includes(sessionCheck)
        ? 'authed'
        : 'public',
    idFields: [...new Set(def.inputs.flatMap((schema) => idFieldsOf(schema)))].sort(),
  }));
}

/** `id`, `exportId`, `publicId`, `assetIds`...: a name that says it holds an id. */
const ID_NAME = /^(id|ids|uuid)$|[a-z](Id|Ids|ID|Uuid)$/;

/** The paths of the string fields that are ids by name or by format (a UUID), through wrappers and unions. */
export function idFieldsOf(schema: ZodLike, path = '', name = '', depth = 0): string[] {
  const def = schema._zod.def;
  if (depth > 12) return [];
  const inner = (s: unknown, p = path, n = name) => idFieldsOf(s as ZodLike, p, n, depth + 1);
  switch (def.type) {
    case 'string':
      return ID_NAME.test(name) || def.format === 'uuid' ? [path] : [];
    case 'object':
      return Object.entries(def.shape as Record<string, ZodLike>).flatMap(([key, s]) =>
        inner(s, path ? `${path}.${key}` : key, key),
      );
    case 'array':
      return inner(def.element, `${path}[]`);
    case 'record':
      return inner(def.valueType, `${path}{}`, '');
    case 'union':
      return (def.options as ZodLike[]).flatMap((s) => inner(s));
    case 'intersection':
      return [...inner(def.left), ...inner(def.right)];
    case 'pipe':
      return [...inner(def.in), ...inner(def.out)];
    case 'lazy':
      return inner((def.getter as () => unknown)());
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return inner(def.innerType);
    default:
      return [];
  }
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON
  body: any;
}

/** Calls a procedure the way the web app does (tRPC over HTTP; SSE for a subscription, first event only). */
export async function callTrpc(
  baseUrl: string,
  token: string,
  procedure: SweptProcedure,
  input: unknown,
): Promise<Answer> {
  const headers = { authorization: `Bearer ${token}` };
  const url = `${baseUrl}/trpc/${procedure.name}`;
  const query = `?input=${encodeURIComponent(JSON.stringify(input))}`;
  if (procedure.def.type === 'mutation') {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: await res.json() };
  }
  if (procedure.def.type === 'query') {
    const res = await fetch(url + query, { headers });
    return { status: res.status, body: await res.json() };
  }
  return firstEvent(
    await fetch(url + query, {
      headers: { ...headers, accept: 'text/event-stream' },
      signal: AbortSignal.timeout(10_000),
    }),
  );
}

/** The first event of a subscription: data, or an error whose HTTP status is in its payload. */
async function firstEvent(res: Response): Promise<Answer> {
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    return { status: res.status, body: await res.json() };
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { status: res.status, body: null };
      const blocks = (buffered + value).split('\n\n');
      buffered = blocks.pop() ?? '';
      for (const block of blocks) {
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (event === 'serialized-error') {
          const body = JSON.parse(data);
          return { status: body?.data?.httpStatus ?? body?.error?.data?.httpStatus ?? 500, body };
        }
        if (!event && data) return { status: 200, body: JSON.parse(data) };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Calls a procedure on its REST path (trpc-to-openapi): path parameters, then query (GET/DELETE) or body. */
export async function callRest(
  baseUrl: string,
  token: string,
  procedure: SweptProcedure,
  input: Record<string, unknown>,
): Promise<Answer> {
  const { method, path } = procedure.def.meta!.openapi!;
  const rest: Record<string, unknown> = { ...input };
  const filled = path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = String(rest[key]);
    delete rest[key];
    return encodeURIComponent(value);
  });
  const inQuery = method === 'GET' || method === 'DELETE';
  const query = new URLSearchParams(
    Object.entries(rest).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const res = await fetch(`${baseUrl}${filled}${inQuery && query ? `?${query}` : ''}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(inQuery ? {} : { 'content-type': 'application/json' }),
    },
    ...(inQuery ? {} : { body: JSON.stringify(rest) }),
  });
  return { status: res.status, body: await res.json() };
}

/** An answer without what differs on every request (request ids), to compare two answers' shapes. */
export function withoutRequestIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRequestIds);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'requestId')
        .map(([key, v]) => [key, withoutRequestIds(v)]),
    );
  }
  return value;
}

interface Layer {
  route?: { path: string | string[] };
  handle?: { stack?: Layer[] };
}

/** Paths of the app's plain Express routes that take a parameter (`/avatars/:file`, `/files/*key`). */
export function parameterisedRoutes(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const walk = (layers: Layer[]): string[] =>
    layers.flatMap((layer) => {
      if (layer.route) return [layer.route.path].flat();
      return layer.handle?.stack ? walk(layer.handle.stack) : [];
    });
  return [...new Set(walk(stack).filter((path) => /[:*]/.test(path)))].sort();
}
