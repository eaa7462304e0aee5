import type { Page } from 'playwright-core';

/** Every `step`-th pixel of a canvas, as RGB triples, with the sampled grid's size. */
export interface PixelSample {
  columns: number;
  rows: number;
  rgb: number[];
}

/**
 * Copies the WebGL canvas onto a 2D canvas in the page and returns a sparse grid of its pixels. Works
 * only because the engine keeps its drawing buffer (preserveDrawingBuffer).
 */
export async function sampleCanvas(page: Page, selector: string, step = 3): Promise<PixelSample> {
  return page.evaluate(
    ({ selector, step }) => {
      const source = document.querySelector<HTMLCanvasElement>(selector);
      if (!source) throw new Error(`no canvas matches ${selector}`);
      const copy = document.createElement('canvas');
      copy.width = source.width;
      copy.height = source.height;
      const context = copy.getContext('2d');
      if (!context) throw new Error('no 2D context');
      context.drawImage(source, 0, 0);
      const { data } = context.getImageData(0, 0, copy.width, copy.height);
      const rgb: number[] = [];
      let rows = 0;
      let columns = 0;
      for (let y = 0; y < copy.height; y += step, rows++) {
        columns = 0;
        for (let x = 0; x < copy.width; x += step, columns++) {
          const i = (y * copy.width + x) * 4;
          rgb.push(data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0);
        }
      }
      return { columns, rows, rgb };
    },
    { selector, step },
  );
}

export function distinctColors(sample: PixelSample): number {
  const seen = new Set<number>();
  for (let i = 0; i < sample.rgb.length; i += 3) {
    seen.add(((sample.rgb[i] ?? 0) << 16) | ((sample.rgb[i + 1] ?? 0) << 8) | (sample.rgb[i + 2] ?? 0));
  }
  return seen.size;
}

function hsv(r: number, g: number, b: number): { hue: number; saturation: number; value: number } {
  const max = Math.max(r, g, b);
  const spread = max - Math.min(r, g, b);
  let hue = 0;
  if (spread > 0) {
    if (max === r) hue = ((g - b) / spread) % 6;
    else if (max === g) hue = (b - r) / spread + 2;
    else hue = (r - g) / spread + 4;
  }
  return { hue: (hue * 60 + 360) % 360, saturation: max === 0 ? 0 : spread / max, value: max / 255 };
}

/**
 * Share of pixels in the middle third (both axes) whose hue is within `tolerance` degrees of `hex`.
 * Lighting changes brightness, not hue, so hue is what survives from the material color to the pixel.
 */
export function shareNearHueInCenter(sample: PixelSample, hex: string, tolerance = 15): number {
  const want = hsv(
    Number.parseInt(hex.slice(1, 3), 16),
    Number.parseInt(hex.slice(3, 5), 16),
    Number.parseInt(hex.slice(5, 7), 16),
  );
  let hits = 0;
  let total = 0;
  for (let row = Math.floor(sample.rows / 3); row < (2 * sample.rows) / 3; row++) {
    for (let column = Math.floor(sample.columns / 3); column < (2 * sample.columns) / 3; column++) {
      const i = (row * sample.columns + column) * 3;
      const got = hsv(sample.rgb[i] ?? 0, sample.rgb[i + 1] ?? 0, sample.rgb[i + 2] ?? 0);
      const distance = Math.min(Math.abs(got.hue - want.hue), 360 - Math.abs(got.hue - want.hue));
      if (got.saturation > 0.35 && got.value > 0.2 && distance <= tolerance) hits++;
      total++;
    }
  }
  return total === 0 ? 0 : hits / total;
}
