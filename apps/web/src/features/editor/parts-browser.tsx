import {
  type AssetSummary,
  type AssetType,
  type AvatarSlot,
  avatarSlots,
  categoriesByType,
  slotAssetTypes,
} from '@avatar/contracts';
import { useEffect, useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import { catalogApi } from '../catalog/asset-catalog-api.ts';
import { slotLabels } from './avatar-spec.ts';
import { withPart } from './editor-state.ts';
import { draft, edit } from './editor-store.ts';
import { SlotGlyph } from './slot-glyph.tsx';

export type BrowseSlot = AvatarSlot | 'base';
export const browseSlots: BrowseSlot[] = ['base', ...avatarSlots];
const typeOf = (slot: BrowseSlot): AssetType => (slot === 'base' ? 'base_model' : slotAssetTypes[slot]);

const PAGE = 60;
const SEARCH_DELAY_MS = 250;

type Results =
  | { status: 'loading' }
  | { status: 'ready'; items: AssetSummary[]; tags: string[] }
  | { status: 'failed'; message: string };

const label = (value: string) => value.charAt(0).toUpperCase() + value.slice(1).replace(/_/g, ' ');

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

/** Parts of one slot from the catalog: search, category and tag filters, a grid of cards to pick from. */
export function PartsBrowser({ onResults }: { onResults?: (items: AssetSummary[]) => void }) {
  const [slot, setSlot] = useState<BrowseSlot>('base');
  const [query, setQuery] = useState('');
  const [category, setCategory] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [results, setResults] = useState<Results>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [knownTags, setKnownTags] = useState<Record<string, string[]>>({});
  const q = useDebounced(query.trim(), SEARCH_DELAY_MS);
  const type = typeOf(slot);

  useEffect(() => {
    let current = true;
    setResults((r) => (r.status === 'ready' ? r : { status: 'loading' }));
    const filters = {
      type,
      ...(category ? { category: category as never } : {}),
      ...(tags.length ? { tags } : {}),
      limit: PAGE,
    };
    const request = q
      ? catalogApi
          .search({ ...filters, q, tagMode: 'any' })
          .then((r) => ({ items: r.items, tags: r.facets.tag.map((f) => f.value) }))
      : catalogApi.list({ ...filters, tagMode: 'any', status: 'active', sort: 'name' }).then((r) => ({
          items: r.items,
          tags: r.items.flatMap((item) => item.tags),
        }));
    request
      .then(({ items, tags: found }) => {
        if (!current) return;
        setKnownTags((known) => ({
          ...known,
          [slot]: [...new Set([...(known[slot] ?? []), ...found])].sort(),
        }));
        setResults({ status: 'ready', items, tags: found });
        onResults?.(items);
      })
      .catch((error: unknown) => {
        if (current) setResults({ status: 'failed', message: humanMessage(error) });
      });
    return () => {
      current = false;
    };
  }, [slot, type, q, category, tags.join(','), attempt]);

  const pickSlot = (next: BrowseSlot) => {
    if (next === slot) return;
    setSlot(next);
    setCategory('');
    setTags([]);
    setResults({ status: 'loading' });
  };
  const toggleTag = (tag: string) =>
    setTags((current) => (current.includes(tag) ? current.filter((t) => t !== tag) : [...current, tag]));

  const present = draft.value;
  const selectedIds: string[] =
    slot === 'base'
      ? [present.modelAssetId].filter((id): id is string => !!id)
      : slot === 'accessories'
        ? (present.parts.accessories ?? [])
        : [present.parts[slot]].filter((id): id is string => !!id);
  const pick = (id: string | null) => edit(withPart(draft.peek(), slot, id), null);
  const tagChoices = [...new Set([...(knownTags[slot] ?? []), ...tags])].slice(0, 16);
  const filtered = query.trim() !== '' || category !== '' || tags.length > 0;

  return (
    <div class="parts" data-testid="parts-browser">
      <div class="slot-tabs" role="tablist" aria-label="Slot">
        {browseSlots.map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            id={`slot-tab-${s}`}
            aria-selected={s === slot}
            aria-controls="parts-grid"
            class={`slot-tab${s === slot ? ' active' : ''}`}
            data-testid={`slot-${s}`}
            onClick={() => pickSlot(s)}
          >
            <SlotGlyph slot={s} />
            <span>{slotLabels[s]}</span>
          </button>
        ))}
      </div>

      <div class="parts-filters">
        <label class="parts-filter">
          <span class="visually-hidden">Search parts</span>
          <input
            class="parts-control"
            type="search"
            placeholder={`Search ${slotLabels[slot].toLowerCase()}…`}
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
            data-testid="parts-search"
          />
        </label>
        <label class="parts-filter">
          <span class="visually-hidden">Category</span>
          <select
            class="parts-control"
            value={category}
            onChange={(e) => setCategory(e.currentTarget.value)}
            data-testid="parts-category"
          >
            <option value="">All categories</option>
            {(categoriesByType[type] as readonly string[]).map((c) => (
              <option key={c} value={c}>
                {label(c)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {tagChoices.length > 0 && (
        <fieldset class="tag-filter">
          <legend class="visually-hidden">Tags</legend>
          {tagChoices.map((tag) => (
            <button
              key={tag}
              type="button"
              class={`chip${tags.includes(tag) ? ' active' : ''}`}
              aria-pressed={tags.includes(tag)}
              onClick={() => toggleTag(tag)}
            >
              {tag}
            </button>
          ))}
        </fieldset>
      )}

      <div
        id="parts-grid"
        class="parts-grid"
        role="tabpanel"
        aria-labelledby={`slot-tab-${slot}`}
        aria-busy={results.status === 'loading'}
      >
        {results.status === 'failed' && (
          <div class="banner error parts-wide" role="alert">
            <span>{results.message}</span>
            <button type="button" class="button ghost" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </div>
        )}
        {results.status !== 'failed' && !filtered && (
          <PartCard
            name={slot === 'base' ? 'Default' : 'None'}
            slot={slot}
            selected={selectedIds.length === 0}
            onPick={() => pick(null)}
            testId="part-none"
          />
        )}
        {results.status === 'loading' &&
          [0, 1, 2, 3, 4].map((i) => <div key={i} class="part-card skeleton" aria-hidden="true" />)}
        {results.status === 'ready' &&
          results.items.map((item) => (
            <PartCard
              key={item.id}
              name={item.name}
              slot={slot}
              thumbnailUrl={item.thumbnailUrl}
              detail={label(item.category)}
              selected={selectedIds.includes(item.id)}
              onPick={() => pick(item.id)}
              testId="part-card"
              assetKey={item.key}
            />
          ))}
        {results.status === 'ready' && results.items.length === 0 && (
          <div class="parts-empty parts-wide">
            <p>
              {filtered
                ? 'Nothing matches these filters.'
                : `No ${slotLabels[slot].toLowerCase()} in the catalog yet.`}
            </p>
            {filtered && (
              <button
                type="button"
                class="button ghost"
                onClick={() => {
                  setQuery('');
                  setCategory('');
                  setTags([]);
                }}
              >
                Clear filters
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

interface PartCardProps {
  name: string;
  slot: BrowseSlot;
  selected: boolean;
  onPick: () => void;
  thumbnailUrl?: string | null;
  detail?: string;
  testId: string;
  assetKey?: string;
}

function PartCard({ name, slot, selected, onPick, thumbnailUrl, detail, testId, assetKey }: PartCardProps) {
  const [broken, setBroken] = useState(false);
  return (
    <button
      type="button"
      class={`part-card${selected ? ' selected' : ''}${assetKey ? '' : ' none'}`}
      aria-pressed={selected}
      onClick={onPick}
      data-testid={testId}
      data-key={assetKey}
      title={name}
    >
      <span class="part-thumb">
        {thumbnailUrl && !broken ? (
          <img
            src={thumbnailUrl}
            alt=""
            width={256}
            height={256}
            loading="lazy"
            onError={() => setBroken(true)}
          />
        ) : (
          <span
            class={`part-placeholder slot-${slot}`}
            style={assetKey ? { '--hue': hueOf(assetKey) } : undefined}
          >
            <SlotGlyph slot={slot} />
          </span>
        )}
        {selected && (
          <span class="part-check" aria-hidden="true">
            ✓
          </span>
        )}
      </span>
      <span class="part-name">{name}</span>
      {detail && <span class="part-detail">{detail}</span>}
    </button>
  );
}

/** A stable hue per asset, so placeholders of different parts tell apart at a glance. */
function hueOf(key: string): number {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 360;
}
