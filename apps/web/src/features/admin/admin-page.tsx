import type { Asset, AssetSummary } from '@avatar/contracts';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { catalogApi } from '../catalog/asset-catalog-api.ts';
import { AssetPanel } from './asset-panel.tsx';
import { createCatalogBrowser } from './catalog-browser.ts';
import { CatalogFilters, FacetBar } from './catalog-filters.tsx';
import { CatalogTable } from './catalog-table.tsx';
import { IntegrityPanel } from './integrity-panel.tsx';
import { UploadPanel } from './upload-panel.tsx';

interface Selection {
  id: string;
  preview: AssetSummary | null;
}

/** The admin screens, loaded as their own chunk: the catalog table, uploads and the asset panel. */
export function AdminPage() {
  const browser = useMemo(() => createCatalogBrowser(catalogApi), []);
  const [uploadOpen, setUploadOpen] = useState(false);
  const [integrityOpen, setIntegrityOpen] = useState(false);
  const [selected, setSelected] = useState<Selection | null>(null);

  useEffect(() => {
    void browser.reload();
    return browser.dispose;
  }, [browser]);

  // A table row can be shown at once while the full asset loads; anything else is only an id.
  const open = (target: AssetSummary | Asset | { id: string }) =>
    setSelected({ id: target.id, preview: 'triangles' in target ? target : null });

  return (
    <section class="admin" data-testid="admin-page">
      <header class="page-head">
        <div>
          <h1>Admin</h1>
          <p class="muted">Upload GLB assets, curate the catalog, publish and compare versions.</p>
        </div>
        <div class="page-actions">
          <button type="button" class="button ghost" onClick={() => void browser.refresh()}>
            Refresh
          </button>
          <button
            type="button"
            class="button ghost"
            aria-expanded={integrityOpen}
            aria-controls="integrity-section"
            onClick={() => setIntegrityOpen(!integrityOpen)}
            data-testid="toggle-integrity"
          >
            Storage integrity
          </button>
          <button
            type="button"
            class="button primary"
            aria-expanded={uploadOpen}
            aria-controls="upload-section"
            onClick={() => setUploadOpen(!uploadOpen)}
            data-testid="toggle-upload"
          >
            {uploadOpen ? 'Close upload' : 'Upload asset'}
          </button>
        </div>
      </header>

      {integrityOpen && (
        <div id="integrity-section">
          <IntegrityPanel />
        </div>
      )}

      {uploadOpen && (
        <section class="panel" id="upload-section" aria-labelledby="upload-title">
          <h2 id="upload-title">Upload a new asset</h2>
          <UploadPanel
            catalog={catalogApi}
            idPrefix="upload"
            onUploaded={() => void browser.reload()}
            onAssetChange={browser.upsert}
            onOpen={open}
          />
        </section>
      )}

      <section class="panel catalog-panel" aria-labelledby="catalog-title">
        <h2 id="catalog-title" class="visually-hidden">
          Catalog
        </h2>
        <CatalogFilters browser={browser} />
        <FacetBar browser={browser} />
        <CatalogTable browser={browser} selectedId={selected?.id ?? null} onOpen={open} />
      </section>

      {selected && (
        <AssetPanel
          catalog={catalogApi}
          id={selected.id}
          preview={selected.preview}
          onClose={() => setSelected(null)}
          onOpen={open}
          onAssetChange={browser.upsert}
          onListChange={() => void browser.reload()}
        />
      )}
    </section>
  );
}
