import type { AssetDiff } from '@avatar/contracts';
import { formatBytes, formatCount, formatDecimal, formatDelta } from './format.ts';

type Delta = AssetDiff['fileSize'];

/** Two versions side by side: before, after and the change, for each number the catalog keeps. */
export function DiffView({ diff }: { diff: AssetDiff }) {
  const rows: { label: string; delta: Delta; format: (n: number) => string }[] = [
    { label: 'File size', delta: diff.fileSize, format: formatBytes },
    { label: 'Triangles', delta: diff.triangles, format: formatCount },
    { label: 'Vertices', delta: diff.vertices, format: formatCount },
    { label: 'Materials', delta: diff.materials, format: formatCount },
    { label: 'Textures', delta: diff.textures, format: formatCount },
  ];
  const size = (v: number[] | null) => (v ? v.map(formatDecimal).join(' × ') : '—');
  const sameBounds = JSON.stringify(diff.boundsSize.before) === JSON.stringify(diff.boundsSize.after);
  const unchanged = (d: Delta) => d.delta === 0 || (d.before === null && d.after === null);

  return (
    <div class="diff" data-testid="diff-view">
      <div class="scroll-x">
        <table class="mini-table diff-table">
          <thead>
            <tr>
              <th scope="col">Measure</th>
              <th scope="col" class="num">
                {diff.from.version}
              </th>
              <th scope="col" class="num">
                {diff.to.version}
              </th>
              <th scope="col" class="num">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ label, delta, format }) => (
              <tr key={label} class={unchanged(delta) ? 'same' : 'changed'}>
                <th scope="row">{label}</th>
                <td class="num">{delta.before === null ? '—' : format(delta.before)}</td>
                <td class="num">{delta.after === null ? '—' : format(delta.after)}</td>
                <td class={`num delta ${sign(delta.delta)}`}>
                  {formatDelta(delta.delta, format === formatBytes ? formatBytes : formatCount)}
                </td>
              </tr>
            ))}
            <tr class={sameBounds ? 'same' : 'changed'}>
              <th scope="row">Bounds</th>
              <td class="num">{size(diff.boundsSize.before)}</td>
              <td class="num">{size(diff.boundsSize.after)}</td>
              <td class="num delta">{sameBounds ? '0' : 'changed'}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <p class="diff-tags">
        <span class="muted">Tags:</span>{' '}
        {diff.tags.added.length === 0 && diff.tags.removed.length === 0 && <span>unchanged</span>}
        {diff.tags.added.map((t) => (
          <span class="tag added" key={`+${t}`}>
            + {t}
          </span>
        ))}
        {diff.tags.removed.map((t) => (
          <span class="tag removed" key={`-${t}`}>
            − {t}
          </span>
        ))}
      </p>
    </div>
  );
}

const sign = (n: number | null) => (n === null || n === 0 ? '' : n > 0 ? 'up' : 'down');
