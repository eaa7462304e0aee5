import type { Asset, AssetDiff, AssetSummary } from '@avatar/contracts';
import { useEffect, useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import type { AssetCatalogAPI } from '../catalog/asset-catalog-api.ts';
import { DiffView } from './diff-view.tsx';
import { Field } from './field.tsx';
import { formatBytes, formatCount, formatDate } from './format.ts';
import { StatusPill } from './status-pill.tsx';

interface Props {
  catalog: AssetCatalogAPI;
  asset: Asset;
  versions: AssetSummary[];
  onOpen: (asset: AssetSummary) => void;
}

/** Every version of the key, newest first, and a comparison of any two of them. */
export function VersionHistory({ catalog, asset, versions, onOpen }: Props) {
  const others = versions.filter((v) => v.id !== asset.id);
  // By default: this version against the one just below it (or just above, for the oldest).
  const at = versions.findIndex((v) => v.id === asset.id);
  const defaultOther = versions[at + 1] ?? versions[at - 1] ?? null;
  const [otherId, setOtherId] = useState<string>(defaultOther?.id ?? '');
  const [diff, setDiff] = useState<AssetDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!others.some((v) => v.id === otherId)) setOtherId(defaultOther?.id ?? '');
  }, [versions, asset.id]);

  useEffect(() => {
    if (!otherId) {
      setDiff(null);
      return;
    }
    const other = versions.find((v) => v.id === otherId);
    if (!other) return;
    // Older on the left, whichever one the admin is looking at.
    const [from, to] = versionRank(other) < versionRank(asset) ? [other.id, asset.id] : [asset.id, other.id];
    let cancelled = false;
    setLoading(true);
    setError(null);
    catalog
      .diff(from, to)
      .then((d) => !cancelled && setDiff(d))
      .catch((failure) => !cancelled && setError(humanMessage(failure)))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [otherId, asset.id, asset.updatedAt]);

  return (
    <div class="versions" data-testid="version-history">
      <div class="scroll-x">
        <table class="mini-table versions-table">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col" class="num col-opt-sm">
                Triangles
              </th>
              <th scope="col" class="num col-opt-sm">
                Size
              </th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr
                key={v.id}
                class={v.id === asset.id ? 'current' : ''}
                data-testid="version-row"
                data-version={v.version}
              >
                <th scope="row" class="mono">
                  {v.id === asset.id ? (
                    <span aria-current="true">{v.version} · viewing</span>
                  ) : (
                    <button type="button" class="link-button mono" onClick={() => onOpen(v)}>
                      {v.version}
                    </button>
                  )}
                </th>
                <td>
                  <StatusPill status={v.status} />
                </td>
                <td class="num col-opt-sm">{formatCount(v.triangles)}</td>
                <td class="num col-opt-sm">{formatBytes(v.fileSize)}</td>
                <td class="nowrap">{formatDate(v.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section class="subcard">
        <h3>Compare</h3>
        {others.length === 0 ? (
          <p class="muted">This is the only version so far. Publish another to compare them.</p>
        ) : (
          <>
            <Field
              id={`compare-${asset.id}`}
              class="inline"
              label={
                <>
                  Compare <span class="mono">{asset.version}</span> with
                </>
              }
            >
              <select
                id={`compare-${asset.id}`}
                value={otherId}
                onChange={(e) => setOtherId(e.currentTarget.value)}
                data-testid="compare-with"
              >
                {others.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.version} ({v.status})
                  </option>
                ))}
              </select>
            </Field>
            {error && (
              <p class="banner error" role="alert">
                {error}
              </p>
            )}
            {loading && !diff && <p class="muted">Comparing…</p>}
            {diff && <DiffView diff={diff} />}
          </>
        )}
      </section>
    </div>
  );
}

const versionRank = (v: { version: string }) =>
  v.version.split('.').reduce((rank, part) => rank * 1_000_000 + Number(part), 0);
