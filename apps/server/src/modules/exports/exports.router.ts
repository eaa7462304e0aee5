import {
  CreateExportInput,
  Export,
  ExportFormatList,
  ExportHealth,
  ExportIdInput,
  ExportList,
  ListExportsInput,
} from '@avatar/contracts';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../../trpc/trpc.ts';
import { idempotencyFrom, idempotent } from '../integrity/idempotency.ts';
import * as exportsService from './exports.service.ts';

const tags = ['exports'];
const POLL_MS = 500;
const FOLLOW_FOR_MS = 15 * 60_000;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

// Order matters for REST: fixed paths under /avatar/export are distinct, so none shadows another.
export const exportsRouter = router({
  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/avatar/export',
        tags,
        summary: 'Export my avatar (sync: the file; async: an id to follow)',
      },
    })
    .input(CreateExportInput)
    .output(Export)
    .mutation(({ ctx, input }) =>
      // A double-clicked export (same Idempotency-Key) is one export, counted once by the rate limit.
      idempotent(idempotencyFrom(ctx, 'export.create'), input, () =>
        exportsService.create(
          ctx,
          {
            userId: ctx.auth.user.id,
            requestId: ctx.requestId || null,
            onClientGone(listener) {
              // 'close' before the response is written means the client hung up.
              const onClose = () => {
                if (!ctx.res.writableEnded) listener();
              };
              ctx.res.once('close', onClose);
              return () => ctx.res.off('close', onClose);
            },
          },
          input,
        ),
      ),
    ),

  status: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/avatar/export/status', tags, summary: 'One of my exports' },
    })
    .input(ExportIdInput)
    .output(Export)
    .query(({ ctx, input }) => exportsService.status(ctx, ctx.auth.user.id, input.id)),

  list: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/avatar/exports', tags, summary: 'My latest exports' },
    })
    .input(ListExportsInput)
    .output(ExportList)
    .query(({ ctx, input }) => exportsService.list(ctx, ctx.auth.user.id, input.limit)),

  /**
   * Follows one export until it finishes: an event on every status change (tRPC over server-sent
   * events). It polls PostgreSQL, so any API process can serve it whichever process runs the export.
   */
  onStatus: authedProcedure.input(ExportIdInput).subscription(async function* ({ ctx, input, signal }) {
    const until = Date.now() + FOLLOW_FOR_MS;
    let last = '';
    while (!signal?.aborted && Date.now() < until) {
      const current = await exportsService.status(ctx, ctx.auth.user.id, input.id);
      const key = `${current.status}:${current.mode}`;
      if (key !== last) {
        last = key;
        yield current;
      }
      if (current.status === 'completed' || current.status === 'failed') return;
      await sleep(POLL_MS, signal);
    }
  }),

  formats: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/avatar/export/formats',
        tags,
        summary: 'Formats and qualities',
      },
    })
    .input(z.void())
    .output(ExportFormatList)
    .query(({ ctx }) => exportsService.formats(ctx.config, ctx)),

  health: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/avatar/export/health',
        tags,
        summary: 'Export pipeline health',
      },
    })
    .input(z.void())
    .output(ExportHealth)
    .query(({ ctx }) => exportsService.health(ctx)),
});
