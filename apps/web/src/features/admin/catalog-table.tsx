import type { AssetSummary } from '@avatar/contracts';
import { type CatalogBrowser, DEFAULT_FILTERS } from './catalog-browser.ts';
import { formatBytes, formatCount, formatDate, humanize, typeLabel } from './format.ts';
import { StatusPill } from './status-pill.tsx';
import { Thumbnail } from './thumbnail.tsx';

interface Props {
  browser: CatalogBrowser;
  selectedId: string | null;
  onOpen: (asset: AssetSummary) => void;
}

export function CatalogTable({ browser, selectedId, onOpen }: Props) {
  const items = browser.items.value;
  const state = browser.state.value;
  const error = browser.error.value;
  const filtered = JSON.stringify(browser.filters.value) !== JSON.stringify(DEFAULT_FILTERS);
  const busy = state === 'loading';

  return (
    <div class="catalog-table-wrap" data-testid="catalog-table" aria-busy={busy}>
      {error && (
        <div class="banner error" role="alert">
          <span>{error}</span>
          <button type="button" class="button ghost small" onClick={() => void browser.reload()}>
            Try again
          </button>
        </div>
      )}
      <table class={`catalog-table${busy && items.length > 0 ? ' is-stale' : ''}`}>
        <caption class="visually-hidden">Catalog assets</caption>
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col" class="col-opt">
              Type
            </th>
            <th scope="col" class="col-narrow">
              Version
            </th>
            <th scope="col">Status</th>
            <th scope="col" class="col-opt num">
              Triangles
            </th>
            <th scope="col" class="col-opt num">
              Size
            </th>
            <th scope="col" class="col-opt">
              Updated
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((asset) => (
            <Row key={asset.id} asset={asset} selected={asset.id === selectedId} onOpen={onOpen} />
          ))}
          {items.length === 0 && state !== 'error' && (
            <tr class="empty-row">
              <td colSpan={7}>
                {busy ? (
                  <span class="muted">Loading the catalog…</span>
                ) : (
                  <div class="empty">
                    <strong>{filtered ? 'No assets match these filters' : 'The catalog is empty'}</strong>
                    <span class="muted">
                      {filtered
                        ? 'Try other words, or clear the filters.'
                        : 'Upload a GLB file above to add the first asset.'}
                    </span>
                  </div>
                )}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="table-footer">
        <span class="muted" aria-live="polite">
          {items.length > 0 && `Showing ${items.length} ${items.length === 1 ? 'asset' : 'assets'}`}
        </span>
        {browser.nextCursor.value && (
          <button
            type="button"
            class="button ghost"
            disabled={state === 'loading-more'}
            onClick={() => void browser.loadMore()}
            data-testid="load-more"
          >
            {state === 'loading-more' ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </div>
  );
}

function Row({
  asset,
  selected,
  onOpen,
}: {
  asset: AssetSummary;
  selected: boolean;
  onOpen: (asset: AssetSummary) => void;
}) {
  return (
    <tr class={selected ? 'selected' : ''} data-testid="catalog-row" data-key={asset.key} data-id={asset.id}>
      <td>
        <div class="asset-cell">
          <Thumbnail url={asset.thumbnailUrl} type={asset.type} />
          <div class="asset-cell-text">
            <button
              type="button"
              class="link-button"
              onClick={() => onOpen(asset)}
              aria-label={`Open ${asset.name} ${asset.version}`}
            >
              {asset.name}
            </button>
            <span class="asset-key">{asset.key}</span>
            <span class="asset-meta-narrow muted">
              {typeLabel(asset.type)} · {humanize(asset.category)}
              <span class="version-narrow"> · {asset.version}</span>
            </span>
            {asset.tags.length > 0 && (
              <span class="tag-list">
                {asset.tags.slice(0, 4).map((tag) => (
                  <span class="tag" key={tag}>
                    {tag}
                  </span>
                ))}
                {asset.tags.length > 4 && <span class="tag more">+{asset.tags.length - 4}</span>}
              </span>
            )}
          </div>
        </div>
      </td>
      <td class="col-opt">
        <div>{typeLabel(asset.type)}</div>
        <div class="muted small">{humanize(asset.category)}</div>
      </td>
      <td class="col-narrow mono">{asset.version}</td>
      <td>
        <StatusPill status={asset.status} />
      </td>
      <td class="col-opt num">{formatCount(asset.triangles)}</td>
      <td class="col-opt num">{formatBytes(asset.fileSize)}</td>
      <td class="col-opt nowrap">{formatDate(asset.updatedAt)}</td>
    </tr>
  );
}
