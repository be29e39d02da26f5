/**
 * The web page: `GET /` (public/index.html) and its assets under `/web/` (public/*.js, *.css),
 * shipped in the repository as they are: no build step. The page is a client of the /v1 API
 * (submit, watch, cancel, read, list), with the API key, if any, kept in sessionStorage.
 *
 * Its Content-Security-Policy is strict: scripts, styles and connections from this origin only,
 * no inline script or style, images from here and blob:/data: (downloads, inline SVG), no frames,
 * no plugins, forms only to here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

/** `public/` at the top of the repository (or package): ../../../public from src/http/routes and dist/http/routes alike. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../../public/', import.meta.url));

export const WEB_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export const webRoutes: FastifyPluginAsync = async (app) => {
  // every asset read once at start-up: a handful of small files, and no path ever reaches the file system
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(PUBLIC_DIR)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: readFileSync(join(PUBLIC_DIR, name)), type });
  }
  // the reference example, for the page's "load the example" button
  assets.set('example.json', { body: readFileSync(fileURLToPath(new URL('../../../fixtures/pbcdse-fit.json', import.meta.url))), type: 'application/json; charset=utf-8' });
  const send = (name: string) => {
    const a = assets.get(name);
    return a ? { ...a } : undefined;
  };
  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    const a = send('index.html')!;
    return reply.header('content-security-policy', WEB_CSP).header('cache-control', 'no-cache').type(a.type).send(a.body);
  });
  app.get<{ Params: { name: string } }>('/web/:name', { schema: { hide: true } }, async (req, reply) => {
    const a = req.params.name === 'index.html' ? undefined : send(req.params.name);
    if (!a) return reply.callNotFound();
    return reply.header('content-security-policy', WEB_CSP).header('cache-control', 'no-cache').type(a.type).send(a.body);
  });
};
