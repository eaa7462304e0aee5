import {
  DeliveryInfo,
  SetDeliveryPrivateInput,
  SignDeliveryUrlInput,
  SignedDeliveryUrl,
} from '@avatar/contracts';
import { z } from 'zod';
import { authedProcedure, router } from '../../trpc/trpc.ts';
import * as delivery from './delivery.service.ts';

const tags = ['delivery'];

/** The owner's side of `GET /avatars/{publicId}.glb`: the URL, its rotation, privacy and signed links. */
export const deliveryRouter = router({
  info: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/character/delivery', tags, summary: 'My avatar delivery URL' },
    })
    .input(z.void())
    .output(DeliveryInfo)
    .query(({ ctx }) => delivery.getInfo(ctx, ctx.auth.user.id)),

  rotate: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/character/delivery/rotate',
        tags,
        summary: 'Give my avatar a new public id (the old URL stops working)',
      },
    })
    .input(z.void())
    .output(DeliveryInfo)
    .mutation(({ ctx }) => delivery.rotate(ctx, ctx.auth.user.id)),

  setPrivate: authedProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/api/v1/character/delivery/private',
        tags,
        summary: 'Make my delivery URL need a signature (or not)',
      },
    })
    .input(SetDeliveryPrivateInput)
    .output(DeliveryInfo)
    .mutation(({ ctx, input }) => delivery.setPrivate(ctx, ctx.auth.user.id, input.private)),

  signUrl: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/character/delivery/signed-url',
        tags,
        summary: 'A signed, expiring delivery URL (works while the avatar is private)',
      },
    })
    .input(SignDeliveryUrlInput)
    .output(SignedDeliveryUrl)
    .mutation(({ ctx, input }) =>
      delivery.signUrl(ctx, ctx.auth.user.id, {
        expiresInSeconds: input.expiresInSeconds,
        params: input.params,
      }),
    ),
});
