import type { Asset } from '@avatar/contracts';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import type { AssetCatalogAPI } from '../catalog/asset-catalog-api.ts';
import { STATUS_POLL_MS } from './catalog-browser.ts';

export interface PolledAsset {
  asset: Asset | null;
  error: string | null;
  /** Reads it again from the server (after a write), bypassing the cache. */
  reload: () => Promise<void>;
}

/**
 * One asset by id, re-read every 2 seconds while the server is still processing it, so its status,
 * thumbnail and metadata appear as soon as the background job has finished.
 */
export function usePolledAsset(
  catalog: AssetCatalogAPI,
  id: string,
  initial: Asset | null = null,
  onChange?: (asset: Asset) => void,
): PolledAsset {
  const [asset, setAsset] = useState<Asset | null>(initial?.id === id ? initial : null);
  const [error, setError] = useState<string | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  const fetchAsset = useCallback(
    async (fresh: boolean) => {
      try {
        const next = await catalog.byId(id, { fresh });
        setAsset(next);
        setError(null);
        changed.current?.(next);
      } catch (failure) {
        setError(humanMessage(failure));
      }
    },
    [catalog, id],
  );

  useEffect(() => {
    if (!asset || asset.id !== id) void fetchAsset(false);
  }, [id]);

  const processing = asset?.status === 'processing';
  useEffect(() => {
    if (!processing) return;
    const timer = setInterval(() => void fetchAsset(true), STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, [processing, fetchAsset]);

  return { asset: asset?.id === id ? asset : null, error, reload: () => fetchAsset(true) };
}
