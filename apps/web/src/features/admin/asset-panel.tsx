import type { Asset, AssetSummary } from '@avatar/contracts';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import type { AssetCatalogAPI } from '../catalog/asset-catalog-api.ts';
import { AssetDetailsForm } from './asset-details-form.tsx';
import { STATUS_POLL_MS } from './catalog-browser.ts';
import { DeprecateSection } from './deprecate-section.tsx';
import { formatBytes, formatDate, humanize, typeLabel } from './format.ts';
import { MetadataView } from './metadata-view.tsx';
import { NewVersion } from './new-version.tsx';
import { StatusPill } from './status-pill.tsx';
import { Thumbnail } from './thumbnail.tsx';
import { useFocusTrap } from './use-focus-trap.ts';
import { usePolledAsset } from './use-polled-asset.ts';
import { VersionHistory } from './version-history.tsx';

type Tab = 'details' | 'versions' | 'report';
const tabs: { id: Tab; label: string }[] = [
  { id: 'details', label: 'Details' },
  { id: 'versions', label: 'Versions' },
  { id: 'report', label: 'Report' },
];

interface Props {
  catalog: AssetCatalogAPI;
  id: string;
  /** The row that was clicked, shown while the full asset loads. */
  preview: AssetSummary | null;
  onClose: () => void;
  onOpen: (target: AssetSummary | Asset | { id: string }) => void;
  /** This asset changed (edit, poll, deprecation): the table updates its row. */
  onAssetChange: (asset: Asset) => void;
  /** A version was added: the table reloads. */
  onListChange: () => void;
}

/** One asset version in a side panel: edit it, publish the next version, compare, deprecate. */
export function AssetPanel({ catalog, id, preview, onClose, onOpen, onAssetChange, onListChange }: Props) {
  const [tab, setTab] = useState<Tab>('details');
  const { asset, error, reload } = usePolledAsset(catalog, id, null, onAssetChange);
  const [versions, setVersions] = useState<AssetSummary[]>([]);
  const [versionsError, setVersionsError] = useState<string | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useFocusTrap(panel, onClose);

  const loadVersions = useCallback(
    (fresh = false) => {
      catalog
        .versions(id, { fresh })
        .then((list) => {
          setVersions(list.items);
          setVersionsError(null);
        })
        .catch((failure) => setVersionsError(humanMessage(failure)));
    },
    [catalog, id],
  );

  useEffect(() => {
    loadVersions();
    heading.current?.focus();
  }, [id]);

  // A version still processing (a fresh upload or copy) becomes active on its own: follow it, so the
  // replacement list and the history show it as soon as it can be used.
  const versionProcessing = versions.some((v) => v.status === 'processing');
  useEffect(() => {
    if (!versionProcessing) return;
    const timer = setInterval(() => loadVersions(true), STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, [versionProcessing, loadVersions]);

  const shown = asset ?? preview;
  const changed = (next: Asset) => {
    onAssetChange(next);
    void reload();
    loadVersions();
  };

  return (
    <div class="drawer-layer">
      <button type="button" class="drawer-scrim" tabIndex={-1} aria-label="Close panel" onClick={onClose} />
      <div
        class="drawer"
        role="dialog"
        aria-modal="true"
        aria-labelledby="asset-panel-title"
        ref={panel}
        data-testid="asset-panel"
      >
        <header class="drawer-head">
          {shown && <Thumbnail url={shown.thumbnailUrl} type={shown.type} size={64} />}
          <div class="drawer-title">
            <h2 id="asset-panel-title" tabIndex={-1} ref={heading}>
              {shown?.name ?? 'Loading…'}
            </h2>
            {shown && (
              <p class="muted small">
                <span class="mono">{shown.key}</span> · <span class="mono">{shown.version}</span> ·{' '}
                {typeLabel(shown.type)} / {humanize(shown.category)}
              </p>
            )}
            {shown && <StatusPill status={shown.status} />}
          </div>
          <button type="button" class="icon-button" aria-label="Close panel" onClick={onClose}>
            ×
          </button>
        </header>

        <div class="tabs" role="tablist" aria-label="Asset sections">
          {tabs.map((t, i) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls={`tabpanel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              class={tab === t.id ? 'active' : ''}
              onClick={() => setTab(t.id)}
              onKeyDown={(e) => {
                const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
                if (!step) return;
                const next = tabs[(i + step + tabs.length) % tabs.length]!;
                setTab(next.id);
                document.getElementById(`tab-${next.id}`)?.focus();
              }}
            >
              {t.label}
              {t.id === 'versions' && versions.length > 0 && <span class="count">{versions.length}</span>}
            </button>
          ))}
        </div>

        <div class="drawer-body" role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`}>
          {error && (
            <p class="banner error" role="alert">
              {error}
            </p>
          )}
          {!asset && !error && <p class="muted">Loading…</p>}
          {asset && tab === 'details' && (
            <>
              {asset.status === 'failed' && (
                <p class="banner error" role="alert">
                  Processing failed: {asset.statusReason ?? 'no reason given'}
                </p>
              )}
              <AssetDetailsForm key={asset.id} catalog={catalog} asset={asset} onSaved={changed} />
              <dl class="facts">
                <dt>File</dt>
                <dd>
                  {formatBytes(asset.fileSize)} · <span class="mono">{asset.mimeType}</span>
                </dd>
                <dt>SHA-256</dt>
                <dd class="mono ellipsis" title={asset.sha256}>
                  {asset.sha256}
                </dd>
                <dt>Created</dt>
                <dd>{formatDate(asset.createdAt, 'long')}</dd>
                <dt>Updated</dt>
                <dd>{formatDate(asset.updatedAt, 'long')}</dd>
              </dl>
              <DeprecateSection
                key={asset.id}
                catalog={catalog}
                asset={asset}
                versions={versions}
                onDeprecated={changed}
                onOpen={onOpen}
              />
            </>
          )}
          {asset && tab === 'versions' && (
            <>
              {versionsError && (
                <p class="banner error" role="alert">
                  {versionsError}
                </p>
              )}
              <NewVersion
                key={asset.id}
                catalog={catalog}
                asset={asset}
                versions={versions}
                onCreated={() => {
                  loadVersions();
                  onListChange();
                }}
                onOpen={onOpen}
              />
              <VersionHistory
                key={asset.id}
                catalog={catalog}
                asset={asset}
                versions={versions}
                onOpen={onOpen}
              />
            </>
          )}
          {asset &&
            tab === 'report' &&
            (asset.metadata ? (
              <MetadataView metadata={asset.metadata} testId="asset-metadata" />
            ) : (
              <p class="muted">
                {asset.status === 'processing'
                  ? 'The server is still reading this file. The report appears here when it is done.'
                  : 'No report was stored for this version.'}
              </p>
            ))}
        </div>
      </div>
    </div>
  );
}
