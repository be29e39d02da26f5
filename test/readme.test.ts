import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { README, updatedReadme } from '../scripts/readme-tables.js';

describe('README', () => {
  it('mirrors the error catalogue and the configuration variables of the code', () => {
    const text = readFileSync(README, 'utf8');
    expect(updatedReadme(text)).toBe(text);
  });

  it('names the same test command that .ci/run runs', () => {
    const text = readFileSync(README, 'utf8');
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    expect(text).toContain('npm test');
    expect(ci).toMatch(/^npm test$/m);
  });
});
