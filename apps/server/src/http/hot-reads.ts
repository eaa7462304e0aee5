import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { User } from '@avatar/contracts';
import type { z } from 'zod';
import { resolveSession } from '../modules/auth/auth.service.ts';
import type { Deps } from '../trpc/context.ts';
import type { Prelude } from './prelude.ts';

/**
 * A signed-in GET read that is also answered before Express (see `createHotReads`). The procedure that
 * serves the same path through tRPC and REST is built from the same four fields, so both answer alike.
 */
export interface HotRead<In extends z.ZodType, Out extends z.ZodType> {
  /** The REST path, as in the procedure's OpenAPI meta (`{name}` for a path parameter). */
  path: `/${string}`;
  input: In;
  /** The procedure's output parser (`checkedOnce`): an answer kept in memory is checked once. */
  output: Out;
  read: (deps: Deps, viewer: Pick<User, 'id' | 'role'>, input: z.output<In>) => Promise<z.input<Out>>;
}

/** Types a hot read's fields against each other (the table that holds several cannot). */
export const hotRead = <In extends z.ZodType, Out extends z.ZodType>(
  read: HotRead<In, Out>,
): HotRead<In, Out> => read;

type Trust = (address: string, hop: number) => boolean;
type Fallback = () => void;
// biome-ignore lint/suspicious/noExplicitAny: a table of reads with inputs and outputs of their own
type AnyHotRead = HotRead<any, any>;

/**
 * The catalog reads a player repeats all day, answered straight off node:http. Hand-written: Express's
 * routing, trpc-to-openapi's per-request setup (URL, abort signal, caller, context copies) and a fresh
 * JSON.stringify of an answer the read cache already holds cost five to ten times the answer itself
 * (bench/results/catalog.md), and no library serves a tRPC procedure without them.
 *
 * It answers only the plain case: GET, a path of exactly one of `reads` (as a client writes it, no
 * trailing slash or escapes), no body, a live session, input the procedure's schema accepts, a read that
 * succeeds. Anything else goes to Express from the start (`fallback`), which answers it as it answers
 * everything: reads change nothing, so doing one again there is safe, and every error keeps its one shape.
 * The query is parsed as Express parses it for trpc-to-openapi (`querystring`, empty values dropped, a
 * single value unwrapped); `hot-reads.test.ts` compares both paths byte for byte.
 *
 * Serialized answers are kept per answer object (a WeakMap): a read cache's answer is the same object
 * until the cache lets it go, so its JSON is built once.
 */
export function createHotReads(
  deps: Deps,
  prelude: Prelude,
  trust: () => Trust,
  reads: AnyHotRead[],
): (req: IncomingMessage, res: ServerResponse, fallback: Fallback) => void {
  const routes = reads.map((read) => ({ read, pattern: pathPattern(read.path) }));
  const serialized = new WeakMap<object, Buffer>();

  const bytesOf = (answer: unknown): Buffer => {
    const key = typeof answer === 'object' && answer !== null ? answer : null;
    const known = key ? serialized.get(key) : undefined;
    if (known) return known;
    const bytes = Buffer.from(JSON.stringify(answer));
    if (key) serialized.set(key, bytes);
    return bytes;
  };

  const answer = async (req: IncomingMessage, route: AnyHotRead, input: unknown): Promise<Buffer | null> => {
    const auth = await resolveSession(deps, req);
    if (!auth) return null;
    const parsed = route.input.safeParse(input);
    if (!parsed.success) return null;
    const value = await route.read(deps, auth.user, parsed.data);
    return bytesOf(route.output.parse(value));
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, route: AnyHotRead, input: unknown) => {
    const bytes = await answer(req, route, input).catch(() => null);
    if (!bytes) return false;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.end(bytes);
    return true;
  };

  return (req, res, fallback) => {
    const match = req.method === 'GET' && !hasBody(req) ? matchRoute(routes, req.url ?? '') : null;
    if (!match) return fallback();
    prelude.begin(req, res, trust());
    serve(req, res, match.read, match.input).then(
      (served) => {
        if (!served) fallback();
      },
      (error: unknown) => {
        req.log?.error({ err: error }, 'answering a hot read failed');
        res.destroy();
      },
    );
  };
}

interface Route {
  read: AnyHotRead;
  pattern: RegExp;
}

function matchRoute(routes: Route[], url: string): { read: AnyHotRead; input: unknown } | null {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  for (const { read, pattern } of routes) {
    const found = pattern.exec(path);
    if (!found) continue;
    return { read, input: { ...queryInput(mark === -1 ? '' : url.slice(mark + 1)), ...found.groups } };
  }
  return null;
}

/** `/a/{id}` as an exact pattern; a parameter is one segment of plain characters (no escapes). */
function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{(\w+)\}/g, '(?<$1>[A-Za-z0-9_.~-]+)')}$`);
}

/** The query as trpc-to-openapi builds it from Express's `req.query`: empty values dropped, one value unwrapped. */
function queryInput(query: string): Record<string, unknown> {
  const input: Record<string, unknown> = Object.create(null);
  if (!query) return input;
  for (const [key, value] of Object.entries(parseQuery(query))) {
    if (!value) continue;
    input[key] = Array.isArray(value) && value.length === 1 ? value[0] : value;
  }
  return input;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
