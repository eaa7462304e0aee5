import type { Asset } from '@avatar/contracts';
import type { UploadResult as UploadAnswer } from '../../api/upload.ts';
import type { AssetCatalogAPI } from '../catalog/asset-catalog-api.ts';
import { MetadataView } from './metadata-view.tsx';
import { StatusPill } from './status-pill.tsx';
import { usePolledAsset } from './use-polled-asset.ts';
import { IssueList } from './validation-report-view.tsx';

interface Props {
  catalog: AssetCatalogAPI;
  asset: UploadAnswer;
  onChange?: (asset: Asset) => void;
}

/** What the server made of the upload: its status (followed live while processing) and its metadata. */
export function UploadResult({ catalog, asset: initial, onChange }: Props) {
  const { asset: live } = usePolledAsset(catalog, initial.id, initial, onChange);
  const asset = live ?? initial;
  const { validation } = initial;
  return (
    <section class="server-report" data-testid="server-report" aria-live="polite">
      <div class="server-report-head">
        <div>
          <h3>On the server</h3>
          <p class="muted small">
            {asset.name} · <span class="mono">{asset.key}</span> · {asset.version}
          </p>
        </div>
        <StatusPill status={asset.status} />
      </div>
      {asset.status === 'processing' && (
        <p class="muted small">Making the thumbnail and optimized variants. This updates by itself.</p>
      )}
      {asset.status === 'failed' && (
        <p class="banner error" role="alert">
          {asset.statusReason ?? 'Processing failed.'}
        </p>
      )}
      {validation && (
        <div class="verdict ok" role="status" data-testid="server-validation">
          <span class="verdict-icon" aria-hidden="true">
            ✓
          </span>
          <div>
            <strong>Accepted by the server</strong>
            <span class="muted small">
              {validation.warnings.length === 0
                ? 'No warnings'
                : `${validation.warnings.length} ${validation.warnings.length === 1 ? 'warning' : 'warnings'}`}
              {validation.validatorVersion && ` · Khronos validator ${validation.validatorVersion}`}
              {validation.sourceFormat === 'gltf' && ' · converted from .gltf'}
            </span>
          </div>
        </div>
      )}
      {validation && <IssueList issues={validation.warnings} kind="warning" />}
      {asset.metadata ? (
        <MetadataView metadata={asset.metadata} testId="server-metadata" />
      ) : (
        <p class="muted">The server has not extracted the metadata yet.</p>
      )}
    </section>
  );
}
