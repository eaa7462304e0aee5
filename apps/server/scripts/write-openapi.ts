import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../src/http/docs.route.ts';

// `make openapi`: writes the committed OpenAPI document; a test fails when it drifts from the procedures.
const target = new URL('../openapi.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(buildOpenApiDocument('/'), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
