import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { buildTestApp } from './helpers/http-harness.js';
it('dump', async () => {
  const t = await buildTestApp();
  const o = await t.app.inject({ url: '/openapi.json' });
  writeFileSync('/tmp/openapi.json', JSON.stringify(o.json(), null, 2));
  const d = await t.app.inject({ url: '/docs' });
  console.log(d.statusCode, d.headers['content-security-policy'], d.body.slice(0,200));
  const d2 = await t.app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
  console.log(d2.statusCode, d2.headers['content-type'], d2.headers['content-security-policy']);
  await t.close();
});
