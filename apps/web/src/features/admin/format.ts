import type { AssetStatus, AssetType } from '@avatar/contracts';

const integer = new Intl.NumberFormat('en-US');
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : integer.format(value);
}

export function formatDecimal(value: number): string {
  return decimal.format(value);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : decimal.format(Number(value.toFixed(1)))} ${units[unit]}`;
}

/** A signed difference: "+120", "−3", "0"; a minus sign, not a hyphen, so columns line up. */
export function formatDelta(value: number | null, format: (n: number) => string = formatCount): string {
  if (value === null) return '—';
  if (value === 0) return '0';
  return value > 0 ? `+${format(value)}` : `−${format(-value)}`;
}

const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });
const shortDate = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric' });

export function formatDate(iso: string, style: 'short' | 'long' = 'short'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (style === 'long' ? dateFormat : shortDate).format(date);
}

export function formatSeconds(seconds: number): string {
  return `${decimal.format(seconds)} s`;
}

/** "base_model" → "Base model". */
export function humanize(value: string): string {
  const spaced = value.replaceAll('_', ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export const typeLabel = (type: AssetType | string): string => humanize(type);

export const statusLabels: Record<AssetStatus, string> = {
  processing: 'Processing',
  active: 'Active',
  deprecated: 'Deprecated',
  failed: 'Failed',
};
