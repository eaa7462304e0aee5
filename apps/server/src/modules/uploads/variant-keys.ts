import type { AssetVariant } from '@avatar/contracts';
import { type AssetKeyParts, assetVariantKey } from '../../storage/keys.ts';

const ASSET_KEY = /^assets\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\.glb$/;

/**
 * The object holding one variant of an asset. Derived from where the original is stored, not from the
 * row's current fields: an admin may change the category later, and the files stay where they were put.
 */
export function variantStorageKey(storageKey: string, variant: AssetVariant): string {
  if (variant === 'original') return storageKey;
  const match = ASSET_KEY.exec(storageKey);
  if (!match) throw new Error(`not an asset key: ${storageKey}`);
  const [, type, category, version, id] = match as unknown as [string, string, string, string, string];
  const parts: AssetKeyParts = { type, category, version, id };
  return assetVariantKey(parts, variant);
}
