/**
 * glTF primitive modes (spec, "mesh.primitive.mode"). Our own, typed constants because glTF-Transform's
 * `Primitive.Mode` is a `Record<string, number>`, where a misspelt mode type-checks as `undefined`.
 */
export const PrimitiveMode = {
  POINTS: 0,
  LINES: 1,
  LINE_LOOP: 2,
  LINE_STRIP: 3,
  TRIANGLES: 4,
  TRIANGLE_STRIP: 5,
  TRIANGLE_FAN: 6,
} as const;
export type PrimitiveMode = (typeof PrimitiveMode)[keyof typeof PrimitiveMode];
