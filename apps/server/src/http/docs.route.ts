import express, { Router } from 'express';
import swaggerUi from 'swagger-ui-dist';
import { generateOpenApiDocument } from 'trpc-to-openapi';
import { appRouter } from '../trpc/router.ts';

export function buildOpenApiDocument(baseUrl: string) {
  return generateOpenApiDocument(appRouter, {
    title: 'Avatar asset server',
    version: '0.1.0',
    baseUrl,
    description:
      'REST view of the tRPC procedures. Authenticate with `Authorization: Bearer <token>` from /api/v1/auth/login.',
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
  });
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Avatar asset server API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

/** `/api/openapi.json` and a docs page served from local files (no CDN: it works offline). */
export function createDocsRouter(): Router {
  const router = Router();
  const document = buildOpenApiDocument('/');
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/api/docs/assets', express.static(swaggerUi.getAbsoluteFSPath(), { index: false }));
  router.get('/api/docs/init.js', (_req, res) => {
    res
      .type('application/javascript')
      .send("SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#docs' });");
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  return router;
}
