/**
 * The committed OpenAPI document is the one the routes generate (as `npm run openapi:check`), and
 * it describes the API as promised.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/http/errors.js';
import { OPENAPI_FILE, generateOpenApi, openApiDrift, serialiseOpenApi } from '../src/http/openapi.js';

type Doc = Record<string, any>;

describe('openapi/openapi.json', () => {
  it('matches the routes (run "npm run openapi:write" after changing them)', async () => {
    const current = await generateOpenApi();
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    expect(openApiDrift(JSON.parse(committed) as Doc, current)).toEqual([]);
    expect(committed).toBe(serialiseOpenApi(current));
  });

  it('documents every route, the job document, problems and bearer security', async () => {
    const doc = (await generateOpenApi()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    for (const base of ['/v1/fits', '/v1/properties'])
      for (const p of ['', '/{id}', '/{id}/events', '/{id}/report', '/{id}/parameters', '/{id}/structures']) expect(paths).toContain(`${base}${p}`);
    for (const p of ['/healthz', '/readyz', '/metrics']) expect(paths).toContain(p);
    expect(doc.paths['/v1/fits'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/JobDocument' });
    expect(doc.components.schemas.JobDocument.properties).toHaveProperty('structures');
    expect(doc.components.schemas.Problem.properties.code.enum).toEqual(Object.keys(ERROR_CATALOGUE));
    expect(doc.paths['/v1/fits/{id}'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
    expect(doc.paths['/v1/fits/{id}/report'].get.responses['409'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
  });
});
