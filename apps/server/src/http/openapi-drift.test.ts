import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './docs.route.ts';

// Non-TypeScript clients generate code from the committed document: it must say what the server does.
describe('the committed OpenAPI document', () => {
  it('matches the procedures (run `make openapi` after changing one)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument('/'))));
  });
});
