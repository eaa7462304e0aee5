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
