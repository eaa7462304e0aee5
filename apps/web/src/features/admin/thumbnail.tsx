import type { AssetType } from '@avatar/contracts';
import { useState } from 'preact/hooks';

const glyphs: Record<AssetType, string> = {
  base_model: 'M12 3a3 3 0 1 1 0 6 3 3 0 0 1 0-6Zm-5 8h10l-1 10h-3v-5h-2v5H8z',
  hair: 'M5 13c0-5 3-9 7-9s7 4 7 9v6h-2v-5c-2 0-5-2-6-4-1 2-3 4-6 4v5H5z',
  top: 'M8 4h8l5 4-2 4-2-1v9H7v-9l-2 1-2-4z',
  bottom: 'M7 3h10l1 18h-4l-2-11-2 11H6z',
  shoes: 'M3 15c0-2 1-6 3-6h3l2 3 8 2c1 0 2 1 2 2v2H3z',
  accessory: 'M12 3l2.6 5.6 6.1.7-4.5 4.2 1.2 6-5.4-3-5.4 3 1.2-6-4.5-4.2 6.1-.7z',
  animation: 'M7 4v16l13-8z',
  texture: 'M4 4h7v7H4zm9 0h7v7h-7zM4 13h7v7H4zm9 0h7v7h-7z',
};

/**
 * A square of fixed size whatever arrives: the image when there is one, a glyph of the asset's type
 * when there is none yet (still processing) or it failed to load. The row never changes height.
 */
export function Thumbnail({ url, type, size = 48 }: { url: string | null; type: AssetType; size?: number }) {
  const [broken, setBroken] = useState<string | null>(null);
  const showImage = url !== null && broken !== url;
  return (
    <span class="thumb" style={{ width: `${size}px`, height: `${size}px` }}>
      {showImage ? (
        <img src={url} alt="" width={size} height={size} loading="lazy" onError={() => setBroken(url)} />
      ) : (
        <svg class="thumb-glyph" viewBox="0 0 24 24" aria-hidden="true" data-testid="thumb-placeholder">
          <path d={glyphs[type]} />
        </svg>
      )}
    </span>
  );
}
