/**
 * Security headers on every response and optional CORS.
 *
 * - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`;
 * - CSP: the API serves JSON and text only (`default-src 'none'; frame-ancestors 'none'`); the docs
 *   page (swagger-ui, all assets served from here) gets a policy it can live with: scripts and
 *   styles from self, inline style attributes (swagger-ui sets them), data: images, no framing;
 * - CORS is off unless origins are configured: then allowed origins get
 *   `Access-Control-Allow-Origin`, and preflights (OPTIONS with Access-Control-Request-Method) are
 *   answered 204 here, before routing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A fastify instance of any server, logger or type-provider flavour. */
type AnyFastify = FastifyInstance<any, any, any, any, any>;

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

export interface SecurityOptions {
  corsOrigins: string[];
  docsPrefix: string;
}

export function securityHooks(app: AnyFastify, opts: SecurityOptions): void {
  const anyOrigin = opts.corsOrigins.includes('*');
  const origins = new Set(opts.corsOrigins);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    const isDocs = req.url === opts.docsPrefix || req.url.startsWith(`${opts.docsPrefix}/`);
    reply.header('content-security-policy', isDocs ? DOCS_CSP : API_CSP);
    if (!origins.size) return;
    const origin = req.headers.origin;
    if (!origin || !(anyOrigin || origins.has(origin))) return;
    reply.header('access-control-allow-origin', anyOrigin ? '*' : origin);
    if (!anyOrigin) reply.header('vary', 'Origin');
    reply.header('access-control-expose-headers', 'Location, Retry-After, X-Request-Id, Idempotent-Replayed');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      reply
        .header('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS')
        .header('access-control-allow-headers', 'Authorization, Content-Type, Idempotency-Key, Last-Event-ID')
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    }
  });
}
