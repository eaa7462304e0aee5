import type { AssetMetadata, AvatarSlot } from '@avatar/contracts';

type Role = NonNullable<AssetMetadata['sockets'][number]['role']>;
interface Selector {
  role: Role;
  side?: 'left' | 'right';
}

/*
 * Where a part that is not skinned to the base's skeleton goes, tried in order: the same table the
 * server's export composer uses (apps/server/src/modules/exports/compose-export.ts), so the editor
 * shows what an export will contain. It belongs in @avatar/contracts; until it moves there, keep the
 * two in step.
 */
const SOCKETS: Record<Exclude<AvatarSlot, 'accessories'>, Selector[]> = {
  hair: [{ role: 'head' }, { role: 'neck' }],
  top: [{ role: 'chest' }, { role: 'spine' }, { role: 'hips' }],
  bottom: [{ role: 'hips' }],
  shoes: [],
};
const ACCESSORY_SOCKETS: Record<string, Selector[]> = {
  headwear: [{ role: 'head' }],
  eyewear: [{ role: 'head' }],
  jewelry: [{ role: 'neck' }, { role: 'chest' }],
  back: [{ role: 'chest' }, { role: 'spine' }],
  handheld: [{ role: 'hand', side: 'right' }, { role: 'hand' }],
};

/** The base's node a part is placed at, or undefined (it stays where it was authored). */
export function socketFor(
  slot: AvatarSlot,
  category: string,
  base: AssetMetadata | null | undefined,
): string | undefined {
  const selectors =
    slot === 'accessories' ? (ACCESSORY_SOCKETS[category] ?? [{ role: 'head' }]) : SOCKETS[slot];
  for (const selector of selectors) {
    const found = base?.sockets.find(
      (socket) => socket.role === selector.role && (!selector.side || socket.side === selector.side),
    );
    if (found) return found.name;
  }
  return undefined;
}
