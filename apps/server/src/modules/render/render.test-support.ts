import { existsSync } from 'node:fs';
import sharp from 'sharp';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Without Chromium a developer machine skips browser suites; CI fails them. */
export const skipWithoutChromium = !existsSync(chromiumPath) && process.env.CI !== 'true';

/** Where tests leave images for people to look at (gitignored). */
export const ARTIFACTS = new URL('../../../test-artifacts/render/', import.meta.url);

export interface ImageCoverage {
  width: number;
  height: number;
  format: string | undefined;
  /** Share of pixels that are not background. */
  coverage: number;
  /** Bounding box of the non-background pixels (inclusive), or null when there are none. */
  box: { left: number; top: number; right: number; bottom: number } | null;
  /** Non-background pixels that are neither near-black nor near-white, as a share of them. */
  midTone: number;
}

/**
 * What a rendered image shows. Background: transparent (alpha below 16) for an image with alpha, else
 * pixels within 12 levels of the top-left corner's colour.
 */
export async function coverageOf(data: Buffer): Promise<ImageCoverage> {
  const meta = await sharp(data).metadata();
  const { data: raw, info } = await sharp(data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const hasAlpha = meta.hasAlpha === true;
  const bg = [raw[0]!, raw[1]!, raw[2]!];
  let count = 0;
  let mid = 0;
  let left = info.width;
  let top = info.height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * 4;
      const [r, g, b, a] = [raw[i]!, raw[i + 1]!, raw[i + 2]!, raw[i + 3]!];
      const background = hasAlpha
        ? a < 16
        : Math.abs(r - bg[0]!) <= 12 && Math.abs(g - bg[1]!) <= 12 && Math.abs(b - bg[2]!) <= 12;
      if (background) continue;
      count++;
      if (Math.max(r, g, b) > 30 && Math.min(r, g, b) < 250) mid++;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return {
    width: info.width,
    height: info.height,
    format: meta.format,
    coverage: count / (info.width * info.height),
    box: count > 0 ? { left, top, right, bottom } : null,
    midTone: count > 0 ? mid / count : 0,
  };
}

/** The model is there, in the frame and not clipped: it touches no edge of the image. */
export function isFramed(c: ImageCoverage, minCoverage = 0.04): boolean {
  if (!c.box || c.coverage < minCoverage) return false;
  return c.box.left > 0 && c.box.top > 0 && c.box.right < c.width - 1 && c.box.bottom < c.height - 1;
}

/** Share of pixels that differ by more than 24 levels in some channel (images of one size). */
export async function differenceOf(a: Buffer, b: Buffer): Promise<number> {
  const [pa, pb] = await Promise.all(
    [a, b].map((d) => sharp(d).ensureAlpha().raw().toBuffer({ resolveWithObject: true })),
  );
  let differing = 0;
  for (let i = 0; i < pa!.data.length; i += 4) {
    for (let c = 0; c < 4; c++) {
      if (Math.abs(pa!.data[i + c]! - pb!.data[i + c]!) > 24) {
        differing++;
        break;
      }
    }
  }
  return differing / (pa!.data.length / 4);
}

/**
 * A contact sheet: the images in a grid on a checkerboard (so transparency shows), each cell labelled.
 */
export async function contactSheet(
  cells: Array<{ label: string; image: Buffer }>,
  options: { cell?: number; columns?: number } = {},
): Promise<Buffer> {
  const cell = options.cell ?? 256;
  const columns = options.columns ?? 4;
  const label = 20;
  const rows = Math.ceil(cells.length / columns);
  const width = columns * cell;
  const height = rows * (cell + label);
  const checker = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><pattern id="c" width="16" height="16" patternUnits="userSpaceOnUse"><rect width="16" height="16" fill="#ddd"/><rect width="8" height="8" fill="#aaa"/><rect x="8" y="8" width="8" height="8" fill="#aaa"/></pattern></defs><rect width="100%" height="100%" fill="url(#c)"/></svg>`,
  );
  const composites = await Promise.all(
    cells.map(async ({ label: text, image }, i) => {
      const x = (i % columns) * cell;
      const y = Math.floor(i / columns) * (cell + label);
      const scaled = await sharp(image)
        .resize(cell, cell, { fit: 'contain', background: '#0000' })
        .png()
        .toBuffer();
      const caption = Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${cell}" height="${label}"><rect width="100%" height="100%" fill="#fff"/><text x="4" y="15" font-family="sans-serif" font-size="13">${text.replace(/[<&>]/g, '')}</text></svg>`,
      );
      return [
        { input: caption, left: x, top: y },
        { input: scaled, left: x, top: y + label },
      ];
    }),
  );
  return sharp(checker).composite(composites.flat()).png().toBuffer();
}
