import {
  type AssetStatus,
  type AssetType,
  assetCategories,
  assetStatuses,
  assetTypes,
  categoriesByType,
} from '@avatar/contracts';
import { useEffect, useState } from 'preact/hooks';
import type { CatalogBrowser, CatalogSort } from './catalog-browser.ts';
import { Field } from './field.tsx';
import { humanize, statusLabels, typeLabel } from './format.ts';

const sortLabels: Record<CatalogSort, string> = {
  newest: 'Newest first',
  name: 'Name (A–Z)',
  version: 'Version',
};

export function parseTagList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/** Search box, filters and sort above the catalog table. */
export function CatalogFilters({ browser }: { browser: CatalogBrowser }) {
  const filters = browser.filters.value;
  const [query, setQuery] = useState(filters.q);
  const [tagText, setTagText] = useState(filters.tags.join(', '));
  const appliedTags = filters.tags.join(', ');
  // The facet chips change the tags too; the box follows them.
  useEffect(() => setTagText(appliedTags), [appliedTags]);
  const categories: readonly string[] = filters.type ? categoriesByType[filters.type] : assetCategories;
  const searching = filters.q.trim().length > 0;

  function onType(value: string) {
    const type = value as AssetType | '';
    const allowed = !type || (categoriesByType[type] as readonly string[]).includes(filters.category);
    browser.setFilters({ type, category: allowed ? filters.category : '' });
  }

  function commitTags() {
    const tags = parseTagList(tagText);
    setTagText(tags.join(', '));
    if (tags.join(',') !== filters.tags.join(',')) browser.setFilters({ tags });
  }

  return (
    <search class="filters" aria-label="Catalog">
      <Field id="filter-q" label="Search" class="field-search">
        <input
          id="filter-q"
          type="search"
          placeholder="Name, key, tag or category"
          value={query}
          data-testid="catalog-search"
          onInput={(e) => {
            setQuery(e.currentTarget.value);
            browser.setQuery(e.currentTarget.value);
          }}
        />
      </Field>
      <Field id="filter-type" label="Type">
        <select
          id="filter-type"
          value={filters.type}
          onChange={(e) => onType(e.currentTarget.value)}
          data-testid="filter-type"
        >
          <option value="">All types</option>
          {assetTypes.map((type) => (
            <option key={type} value={type}>
              {typeLabel(type)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="filter-category" label="Category">
        <select
          id="filter-category"
          value={filters.category}
          onChange={(e) => browser.setFilters({ category: e.currentTarget.value })}
          data-testid="filter-category"
        >
          <option value="">All categories</option>
          {categories.map((category) => (
            <option key={category} value={category}>
              {humanize(category)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="filter-status" label="Status">
        <select
          id="filter-status"
          value={filters.status}
          onChange={(e) => browser.setFilters({ status: e.currentTarget.value as AssetStatus | '' })}
          data-testid="filter-status"
        >
          <option value="">Any status</option>
          {assetStatuses.map((status) => (
            <option key={status} value={status}>
              {statusLabels[status]}
            </option>
          ))}
        </select>
      </Field>
      <Field id="filter-tags" label="Tags">
        <input
          id="filter-tags"
          type="text"
          placeholder="metal, red"
          value={tagText}
          data-testid="filter-tags"
          onInput={(e) => setTagText(e.currentTarget.value)}
          onBlur={commitTags}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commitTags();
          }}
        />
      </Field>
      <Field id="filter-sort" label="Sort">
        <select
          id="filter-sort"
          value={searching ? 'relevance' : filters.sort}
          disabled={searching}
          title={searching ? 'Search results are ranked by relevance' : undefined}
          onChange={(e) => browser.setFilters({ sort: e.currentTarget.value as CatalogSort })}
          data-testid="catalog-sort"
        >
          {searching && <option value="relevance">Relevance</option>}
          {Object.entries(sortLabels).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </Field>
    </search>
  );
}

/** Counts per type, category and tag for the current search; a click narrows the results to one. */
export function FacetBar({ browser }: { browser: CatalogBrowser }) {
  const facets = browser.facets.value;
  if (!facets) return null;
  const filters = browser.filters.value;
  const groups = [
    {
      name: 'Type',
      values: facets.type,
      active: (v: string) => filters.type === v,
      toggle: (v: string) =>
        browser.setFilters({ type: filters.type === v ? '' : (v as AssetType), category: '' }),
      label: typeLabel,
    },
    {
      name: 'Category',
      values: facets.category,
      active: (v: string) => filters.category === v,
      toggle: (v: string) => browser.setFilters({ category: filters.category === v ? '' : v }),
      label: humanize,
    },
    {
      name: 'Tag',
      values: facets.tag,
      active: (v: string) => filters.tags.includes(v),
      toggle: (v: string) =>
        browser.setFilters({
          tags: filters.tags.includes(v) ? filters.tags.filter((t) => t !== v) : [...filters.tags, v],
        }),
      label: (v: string) => v,
    },
  ];
  return (
    <div class="facets" data-testid="facets">
      {groups.map((group) =>
        group.values.length === 0 ? null : (
          <fieldset class="facet-group" key={group.name}>
            <legend class="facet-name">{group.name}</legend>
            {group.values.map(({ value, count }) => (
              <button
                type="button"
                key={value}
                class="chip"
                aria-pressed={group.active(value)}
                onClick={() => group.toggle(value)}
              >
                {group.label(value)} <span class="chip-count">{count}</span>
              </button>
            ))}
          </fieldset>
        ),
      )}
    </div>
  );
}
