import { type AssetMetadata, type AvatarSlot, socketChoicesFor } from '@avatar/contracts';

// The socket table lives in @avatar/contracts, shared with the server's export composer, so the editor
// shows what an export will contain.

/** The base's node a part is placed at, or undefined (it stays where it was authored). */
export function socketFor(
  slot: AvatarSlot,
  category: string,
  base: AssetMetadata | null | undefined,
): string | undefined {
  for (const selector of socketChoicesFor(slot, category)) {
    const found = base?.sockets.find(
      (socket) => socket.role === selector.role && (!selector.side || socket.side === selector.side),
    );
    if (found) return found.name;
  }
  return undefined;
}
