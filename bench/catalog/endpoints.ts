import { rotate } from '../load.ts';

export interface Endpoint {
  name: string;
  /** What the report shows as the request. */
  shown: string;
  nextPath: () => string;
  /** The floor every catalog call is compared with. */
  floor?: boolean;
  /** Measured and reported, but outside the target (a stress case, not a typical call). */
  informative?: boolean;
  /** Fewer connections than the others: a stress case that would otherwise only measure time-outs. */
  connections?: number;
}

/** What people type into a search-as-you-type box: one or two words, often unfinished. */
export const searchTerms = [
  'knight',
  'crimson hel',
  'short bob',
  'leather boo',
  'pony',
  'cyber',
  'gold',
  'wizard hat',
  'dance',
  'denim',
  'sword',
  'messy',
];

/** A two-letter prefix that matches a large part of the catalog: the worst case for ranking and facets. */
export const broadTerm = 'st';

export const tagFilters = [
  'tags=fantasy',
  'tags=knight,medieval',
  'tags=neon',
  'tags=winter,holiday&tagMode=all',
];

const q = (term: string) => `/resources/catalog/search?q=${encodeURIComponent(term)}`;

export function catalogEndpoints(ids: readonly string[]): Endpoint[] {
  const fixed = (path: string) => () => path;
  return [
    { name: 'healthz', shown: '/healthz', nextPath: fixed('/healthz'), floor: true },
    { name: 'list', shown: '/resources/catalog', nextPath: fixed('/resources/catalog') },
    {
      name: 'filtered list',
      shown: '/resources/catalog?type=hair&category=short&sort=newest',
      nextPath: fixed('/resources/catalog?type=hair&category=short&sort=newest'),
    },
    {
      name: 'tags filter',
      shown: `/resources/catalog?{${tagFilters.join(' | ')}}`,
      nextPath: rotate(tagFilters.map((f) => `/resources/catalog?${f}`)),
    },
    {
      name: 'search',
      shown: `/resources/catalog/search?q={${searchTerms.join(' | ')}}`,
      nextPath: rotate(searchTerms.map(q)),
    },
    {
      name: 'get by id',
      shown: `/resources/catalog/{one of ${ids.length} ids}`,
      nextPath: rotate(ids.map((id) => `/resources/catalog/${id}`)),
    },
    {
      name: 'search, broad prefix (4 connections)',
      shown: q(broadTerm),
      nextPath: fixed(q(broadTerm)),
      informative: true,
      connections: 4,
    },
    // The machine may be shared: a second floor at the end shows whether conditions drifted meanwhile.
    { name: 'healthz, end of run', shown: '/healthz', nextPath: fixed('/healthz'), informative: true },
  ];
}
