import { describe, expect, it } from 'vitest';
import { VALIDATE_GLB_DEFAULTS, validateGlb } from '../src/index.ts';
import { defaultsFor, withDefaults } from '../src/with-defaults.ts';
import { readFixture } from './fixtures.ts';

interface Limits {
  maxTriangles: number;
  maxNodes: number;
}
const DEFAULTS: Readonly<Limits> = Object.freeze({ maxTriangles: 100, maxNodes: 10 });

describe('withDefaults', () => {
  it('keeps a default where the option is unset or undefined', () => {
    expect(withDefaults(DEFAULTS, { maxTriangles: undefined, maxNodes: 3 })).toEqual({
      maxTriangles: 100,
      maxNodes: 3,
    });
  });
});

describe('defaultsFor', () => {
  it('merges frozen options once and answers the same frozen object while they are given again', () => {
    const merge = defaultsFor(DEFAULTS);
    const limits: Readonly<Partial<Limits>> = Object.freeze({ maxTriangles: 5 });
    const first = merge(limits);
    expect(first).toEqual({ maxTriangles: 5, maxNodes: 10 });
    expect(merge(limits)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // Other frozen options replace the remembered ones.
    const other: Readonly<Partial<Limits>> = Object.freeze({ maxNodes: 2 });
    expect(merge(other)).toEqual({ maxTriangles: 100, maxNodes: 2 });
    expect(merge(limits)).toEqual({ maxTriangles: 5, maxNodes: 10 });
  });

  it('merges options that can still change on every call, so a change always counts', () => {
    const merge = defaultsFor(DEFAULTS);
    const options: Partial<Limits> = { maxTriangles: 5 };
    expect(merge(options).maxTriangles).toBe(5);
    options.maxTriangles = 7;
    expect(merge(options).maxTriangles).toBe(7);
    expect(Object.isFrozen(merge(options))).toBe(false);
  });

  it('applies frozen limits given again to each file (validateGlb)', async () => {
    const box = readFixture('Box');
    const tight = Object.freeze({ ...VALIDATE_GLB_DEFAULTS, maxTriangles: 1 });
    const loose = Object.freeze({ ...VALIDATE_GLB_DEFAULTS });
    expect((await validateGlb(box, tight)).errors.map((e) => e.code)).toEqual(['LIMIT_TRIANGLES']);
    expect((await validateGlb(box, loose)).valid).toBe(true);
    expect((await validateGlb(box, tight)).valid).toBe(false);
  });
});
