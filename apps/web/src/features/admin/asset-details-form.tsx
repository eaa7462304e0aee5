import { type Asset, type AssetCategory, categoriesByType } from '@avatar/contracts';
import { useEffect, useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import type { AssetCatalogAPI } from '../catalog/asset-catalog-api.ts';
import { described, Field } from './field.tsx';
import { nameError } from './field-errors.ts';
import { humanize } from './format.ts';
import { TagInput } from './tag-input.tsx';

interface Props {
  catalog: AssetCatalogAPI;
  asset: Asset;
  onSaved: (asset: Asset) => void;
}

const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/** Name, category (among those the type allows) and tags of one version; the file itself never changes. */
export function AssetDetailsForm({ catalog, asset, onSaved }: Props) {
  const [name, setName] = useState(asset.name);
  const [category, setCategory] = useState(asset.category);
  const [tags, setTags] = useState(asset.tags);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  // Another tab, a poll or a save brought a newer row: start from it.
  useEffect(() => {
    setName(asset.name);
    setCategory(asset.category);
    setTags(asset.tags);
  }, [asset.id, asset.updatedAt]);

  const idPrefix = `edit-${asset.id}`;
  const problem = nameError(name);
  const dirty = name.trim() !== asset.name || category !== asset.category || !sameTags(tags, asset.tags);

  async function save(event: SubmitEvent) {
    event.preventDefault();
    if (problem || !dirty) return;
    setPending(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await catalog.update({
        id: asset.id,
        name: name.trim() !== asset.name ? name.trim() : undefined,
        category: category !== asset.category ? (category as AssetCategory) : undefined,
        tags: sameTags(tags, asset.tags) ? undefined : tags,
      });
      setSaved(true);
      onSaved(updated);
    } catch (failure) {
      setError(humanMessage(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <form class="details-form" onSubmit={save} data-testid="details-form" noValidate>
      <Field id={`${idPrefix}-name`} label="Name" error={problem}>
        <input
          {...described(`${idPrefix}-name`, problem)}
          value={name}
          disabled={pending}
          onInput={(e) => {
            setName(e.currentTarget.value);
            setSaved(false);
          }}
          data-testid="edit-name"
        />
      </Field>
      <Field id={`${idPrefix}-category`} label="Category">
        <select
          id={`${idPrefix}-category`}
          value={category}
          disabled={pending}
          onChange={(e) => {
            setCategory(e.currentTarget.value);
            setSaved(false);
          }}
          data-testid="edit-category"
        >
          {categoriesByType[asset.type].map((c) => (
            <option key={c} value={c}>
              {humanize(c)}
            </option>
          ))}
        </select>
      </Field>
      <div class="field">
        <label for={`${idPrefix}-tags`}>Tags</label>
        <TagInput
          id={`${idPrefix}-tags`}
          tags={tags}
          disabled={pending}
          onChange={(next) => {
            setTags(next);
            setSaved(false);
          }}
        />
      </div>
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      <div class="form-actions">
        <button
          type="submit"
          class="button primary"
          disabled={pending || !dirty || !!problem}
          data-testid="save-details"
        >
          {pending ? 'Saving…' : 'Save changes'}
        </button>
        {dirty && !pending && (
          <button
            type="button"
            class="button ghost"
            onClick={() => {
              setName(asset.name);
              setCategory(asset.category);
              setTags(asset.tags);
            }}
          >
            Discard
          </button>
        )}
        {saved && !dirty && (
          <span class="saved" role="status" data-testid="details-saved">
            ✓ Saved
          </span>
        )}
      </div>
    </form>
  );
}
