import type { AvatarSlot } from '@avatar/contracts';

/** Simple line drawings, one per slot, for parts whose thumbnail is not rendered yet. */
const PATHS: Record<AvatarSlot | 'base', string> = {
  base: 'M12 3.5a2.6 2.6 0 1 1 0 5.2 2.6 2.6 0 0 1 0-5.2ZM8 11.2c0-.9.7-1.6 1.6-1.6h4.8c.9 0 1.6.7 1.6 1.6v4.3h-1.7V21h-4.6v-5.5H8Z',
  hair: 'M5 14c0-5 3-9 7-9s7 4 7 9v4h-2.5v-5.5C16.5 9.5 14.5 8 12 8s-4.5 1.5-4.5 4.5V18H5Z',
  top: 'M8.5 4 4 6.5 5.5 11l2-.8V20h9v-9.8l2 .8L20 6.5 15.5 4c-.6 1.5-1.9 2.4-3.5 2.4S9.1 5.5 8.5 4Z',
  bottom: 'M7 3.5h10l1 17h-4.2L12 10l-1.8 10.5H6Z',
  shoes: 'M3.5 13.5V9h5l2 3 6 1.5c2 .5 4 1.6 4 4v1.5H3.5Z',
  accessories: 'm12 3 2.6 5.4 5.9.8-4.3 4.1 1 5.8L12 16.3 6.8 19.1l1-5.8-4.3-4.1 5.9-.8Z',
};

export function SlotGlyph({ slot }: { slot: AvatarSlot | 'base' }) {
  return (
    <svg class="slot-glyph" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[slot]} />
    </svg>
  );
}
