import type { Asset, AssetSummary } from '@avatar/contracts';
import { useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import type { AssetCatalogAPI, CatalogMutationOutput } from '../catalog/asset-catalog-api.ts';
import { described, Field } from './field.tsx';

interface Props {
  catalog: AssetCatalogAPI;
  asset: Asset;
  versions: AssetSummary[];
  onDeprecated: (asset: Asset) => void;
  onOpen: (asset: AssetSummary) => void;
}

type Result = CatalogMutationOutput<'deprecate'>;

/**
 * Takes a version out of players' lists. Avatars that use it keep working (the server falls back to the
 * replacement, then further), so the admin sees how many there are before and after deciding.
 */
export function DeprecateSection({ catalog, asset, versions, onDeprecated, onOpen }: Props) {
  const replacements = versions.filter((v) => v.status === 'active' && v.id !== asset.id);
  const pendingOnes = versions.filter((v) => v.status === 'processing' && v.id !== asset.id);
  // Until the admin picks one, the newest active version is offered (the list may arrive after mount).
  const [choice, setChoice] = useState<string | null>(null);
  const replacedBy = choice ?? replacements[0]?.id ?? '';
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const replacement = versions.find((v) => v.id === (asset.replacedBy ?? result?.asset.replacedBy));

  async function deprecate() {
    setPending(true);
    setError(null);
    try {
      const answer = await catalog.deprecate({ id: asset.id, replacedBy: replacedBy || undefined });
      setResult(answer);
      setConfirming(false);
      onDeprecated(answer.asset);
    } catch (failure) {
      setError(humanMessage(failure));
    } finally {
      setPending(false);
    }
  }

  if (asset.status === 'deprecated') {
    return (
      <section class="subcard muted-card" data-testid="deprecated-notice">
        <h3>Deprecated</h3>
        {result && <ReferenceCount result={result} />}
        <p class="muted">
          Players no longer see this version in the catalog.
          {replacement ? ' Its replacement is ' : ' It has no replacement.'}
          {replacement && (
            <button type="button" class="link-button inline-link mono" onClick={() => onOpen(replacement)}>
              {replacement.version}
            </button>
          )}
        </p>
      </section>
    );
  }

  return (
    <section class="subcard danger-card" data-testid="deprecate-section">
      <h3>Deprecate this version</h3>
      <p class="muted small">
        It leaves players' lists. Avatars that use it keep working and move to the replacement when there is
        one.
      </p>
      <Field
        id={`replacement-${asset.id}`}
        label="Replacement"
        hint={replacementHint(
          replacements.length,
          pendingOnes.map((v) => v.version),
        )}
      >
        <select
          {...described(
            `replacement-${asset.id}`,
            null,
            replacementHint(
              replacements.length,
              pendingOnes.map((v) => v.version),
            ),
          )}
          value={replacedBy}
          disabled={pending}
          onChange={(e) => setChoice(e.currentTarget.value)}
          data-testid="replacement"
        >
          <option value="">No replacement</option>
          {replacements.map((v) => (
            <option key={v.id} value={v.id}>
              {v.version} · {v.name}
            </option>
          ))}
        </select>
      </Field>
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      {confirming ? (
        <div class="confirm">
          <span>
            Deprecate <strong class="mono">{asset.version}</strong>
            {replacedBy ? ` in favor of ${versions.find((v) => v.id === replacedBy)?.version}` : ''}?
          </span>
          <button
            type="button"
            class="button danger"
            onClick={deprecate}
            disabled={pending}
            data-testid="confirm-deprecate"
          >
            {pending ? 'Deprecating…' : 'Yes, deprecate'}
          </button>
          <button type="button" class="button ghost" onClick={() => setConfirming(false)} disabled={pending}>
            Keep it
          </button>
        </div>
      ) : (
        <div class="form-actions">
          <button
            type="button"
            class="button danger-outline"
            onClick={() => setConfirming(true)}
            data-testid="deprecate"
          >
            Deprecate {asset.version}…
          </button>
        </div>
      )}
    </section>
  );
}

/** Why the list is short: a version still processing cannot be a replacement yet (the server refuses it). */
function replacementHint(active: number, processing: string[]): string | null {
  if (processing.length > 0) {
    const which = processing.join(', ');
    return `${which} ${processing.length === 1 ? 'is' : 'are'} still processing: pick it here once it is active.`;
  }
  return active === 0 ? 'No other active version of this key to point to.' : null;
}

function ReferenceCount({ result }: { result: Result }) {
  const n = result.avatarConfigsReferencing;
  return (
    <p
      class={`banner ${result.wasLastActiveVersion ? 'warning' : 'success'}`}
      role="status"
      data-testid="deprecate-result"
    >
      <span>
        <strong data-testid="configs-referencing">{n}</strong>{' '}
        {n === 1 ? 'avatar config still uses' : 'avatar configs still use'} this version
        {n > 0 ? '; they keep working through the fallback.' : '.'}
        {result.wasLastActiveVersion &&
          ' This was the last active version: players no longer see this asset at all.'}
      </span>
    </p>
  );
}
