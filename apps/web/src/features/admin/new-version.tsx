import type { Asset, AssetCategory, AssetSummary } from '@avatar/contracts';
import { useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import type { AssetCatalogAPI } from '../catalog/asset-catalog-api.ts';
import { type Bump, nextVersion } from '../catalog/semver.ts';
import { UploadPanel } from './upload-panel.tsx';

interface Props {
  catalog: AssetCatalogAPI;
  asset: Asset;
  versions: AssetSummary[];
  onCreated: (asset: Asset) => void;
  onOpen: (target: { id: string }) => void;
}

const bumps: { value: Bump; label: string; hint: string }[] = [
  { value: 'patch', label: 'Patch', hint: 'fixes' },
  { value: 'minor', label: 'Minor', hint: 'additions' },
  { value: 'major', label: 'Major', hint: 'breaking changes' },
];

/**
 * Publishes the next semantic version of this asset's key, computed from every version there is (the
 * server refuses one that is not newer than the latest): as a copy of this version's file, or from a new file.
 */
export function NewVersion({ catalog, asset, versions, onCreated, onOpen }: Props) {
  const [bump, setBump] = useState<Bump>('minor');
  const [mode, setMode] = useState<'choose' | 'file'>('choose');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Asset | null>(null);
  const existing = versions.map((v) => v.version);
  const next = nextVersion(existing.length > 0 ? existing : [asset.version], bump);
  const latest = versions[0]?.version ?? asset.version;

  async function copy() {
    setPending(true);
    setError(null);
    setCreated(null);
    try {
      const made = await catalog.createVersion({ id: asset.id, version: next });
      setCreated(made);
      onCreated(made);
    } catch (failure) {
      setError(humanMessage(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <section class="subcard" data-testid="new-version">
      <h3>New version</h3>
      <fieldset class="segmented" disabled={pending || mode === 'file'}>
        <legend class="visually-hidden">Kind of change</legend>
        {bumps.map((b) => (
          <label key={b.value} class={bump === b.value ? 'segment checked' : 'segment'}>
            <input
              type="radio"
              name={`bump-${asset.id}`}
              value={b.value}
              checked={bump === b.value}
              onChange={() => setBump(b.value)}
            />
            <span>
              {b.label} <span class="bump-hint muted">{b.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p class="muted small">
        Next version{' '}
        <strong class="mono" data-testid="next-version">
          {next}
        </strong>{' '}
        · latest is <span class="mono">{latest}</span>
      </p>
      {mode === 'choose' ? (
        <div class="form-actions">
          <button
            type="button"
            class="button primary"
            onClick={copy}
            disabled={pending}
            data-testid="copy-version"
          >
            {pending ? 'Creating…' : `Copy this file as ${next}`}
          </button>
          <button type="button" class="button ghost" onClick={() => setMode('file')} disabled={pending}>
            Upload a new file as {next}…
          </button>
        </div>
      ) : (
        <div class="nested-upload">
          <UploadPanel
            catalog={catalog}
            idPrefix={`version-${asset.id}`}
            preset={{
              type: asset.type,
              category: asset.category as AssetCategory,
              key: asset.key,
              name: asset.name,
              version: next,
              tags: asset.tags,
            }}
            onUploaded={(made) => {
              setCreated(made);
              onCreated(made);
            }}
            onOpen={onOpen}
          />
          <button type="button" class="button ghost small" onClick={() => setMode('choose')}>
            Back
          </button>
        </div>
      )}
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      {created && mode === 'choose' && (
        <p class="banner success" role="status" data-testid="version-created">
          <span>
            Created version <strong class="mono">{created.version}</strong>.
          </span>
          <button type="button" class="button ghost small" onClick={() => onOpen(created)}>
            Open {created.version}
          </button>
        </p>
      )}
    </section>
  );
}
