import { withColor, withMorph } from './editor-state.ts';
import { draft, edit } from './editor-store.ts';
import { sceneInfo } from './scene-signals.ts';

const pretty = (name: string) =>
  name
    .replace(/^avatar-/, '')
    .replace(/[_.-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^./, (c) => c.toUpperCase()) || name;

/** A color picker per material of the avatar on show. */
export function ColorsPanel() {
  const info = sceneInfo.value;
  const present = draft.value;
  if (!info) return <p class="muted small panel-empty">Colors appear once your avatar has loaded.</p>;
  if (info.materials.length === 0)
    return <p class="muted small panel-empty">This avatar has no materials that take a color.</p>;
  return (
    <ul class="swatches" data-testid="colors-panel">
      {info.materials.map((material) => {
        const value = (present.colors[material] ?? info.baseColors[material] ?? '#cccccc').toLowerCase();
        const changed = material in present.colors;
        const id = `color-${material.replace(/[^a-z0-9_-]/gi, '_')}`;
        return (
          <li key={material} class="swatch-row">
            <input
              id={id}
              type="color"
              class="swatch"
              value={value}
              onInput={(e) =>
                edit(withColor(draft.peek(), material, e.currentTarget.value), `color:${material}`)
              }
              data-testid="color-input"
              data-material={material}
            />
            <label for={id} class="swatch-label">
              <span>{pretty(material)}</span>
              <span class="mono small muted">{value}</span>
            </label>
            <button
              type="button"
              class="button ghost small-button"
              disabled={!changed}
              onClick={() => edit(withColor(draft.peek(), material, null), null)}
              aria-label={`Reset ${pretty(material)} color`}
            >
              Reset
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** A slider per morph target (0..1) of the avatar on show. */
export function ShapePanel() {
  const info = sceneInfo.value;
  const present = draft.value;
  if (!info) return <p class="muted small panel-empty">Shape controls appear once your avatar has loaded.</p>;
  if (info.morphs.length === 0)
    return (
      <p class="muted small panel-empty">
        This body has no shape controls (morph targets). Pick another body to adjust its shape.
      </p>
    );
  return (
    <ul class="sliders" data-testid="shape-panel">
      {info.morphs.map((target) => {
        const weight = present.morphs[target] ?? 0;
        const id = `morph-${target.replace(/[^a-z0-9_-]/gi, '_')}`;
        return (
          <li key={target} class="slider-row">
            <label for={id} class="slider-label">
              <span>{pretty(target)}</span>
              <output for={id} class="mono small muted">
                {Math.round(weight * 100)}%
              </output>
            </label>
            <input
              id={id}
              type="range"
              min={0}
              max={1}
              step={0.01}
              value={weight}
              onInput={(e) =>
                edit(withMorph(draft.peek(), target, Number(e.currentTarget.value)), `morph:${target}`)
              }
              data-testid="morph-input"
            />
          </li>
        );
      })}
    </ul>
  );
}
