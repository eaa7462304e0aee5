import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkedOnce } from './trpc.ts';

describe('checkedOnce', () => {
  const Item = z.object({ id: z.uuid(), name: z.string().min(1) });

  it('answers the same object again without checking it again, and checks every other value', () => {
    let checks = 0;
    const Counted = Item.refine(() => {
      checks++;
      return true;
    });
    const parser = checkedOnce(Counted);
    const kept = { id: '0b8e4f4e-5a4b-4c39-9d51-2f8c1f7c3a10', name: 'Plain Tee', internal: 'stripped' };
    const first = parser.parse(kept);
    expect(first).toEqual({ id: kept.id, name: 'Plain Tee' });
    expect(parser.parse(kept)).toBe(first);
    expect(checks).toBe(1);
    parser.parse({ ...kept });
    expect(checks).toBe(2);
  });

  it('still refuses what the schema refuses, every time', () => {
    const parser = checkedOnce(Item);
    const bad = { id: 'not-a-uuid', name: '' };
    expect(() => parser.parse(bad)).toThrow();
    expect(() => parser.parse(bad)).toThrow();
  });
});
