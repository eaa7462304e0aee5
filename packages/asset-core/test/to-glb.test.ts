import { Document } from '@gltf-transform/core';
import { mergeDocuments } from '@gltf-transform/functions';
import { describe, expect, it } from 'vitest';
import { glbConverter, readGlb, toGlb, validateGlb } from '../src/index.ts';
import { readFixture } from './fixtures.ts';

describe('toGlb', () => {
  it('writes documents merged from several files as one buffer', async () => {
    const doc = await readGlb(readFixture('Box'));
    mergeDocuments(doc, await readGlb(readFixture('chr_knight')));
    expect(doc.getRoot().listBuffers()).toHaveLength(2);
    const glb = await toGlb(doc);
    const report = await validateGlb(glb);
    expect(report.errors).toEqual([]);
    expect(report.stats?.triangles).toBe(12 + 1460);
    expect((await readGlb(glb)).getRoot().listBuffers()).toHaveLength(1);
  });

  it('is the GLB export converter', async () => {
    expect(glbConverter).toMatchObject({ extension: 'glb', contentType: 'model/gltf-binary' });
    const bytes = await glbConverter.convert(await readGlb(readFixture('Box')));
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('glTF');
  });

  it('writes an empty document', async () => {
    const report = await validateGlb(await toGlb(new Document()));
    expect(report.valid).toBe(true);
  });
});
