import { describe, expect, it } from 'vitest';
import { buildUrl } from './client';

describe('buildUrl', () => {
  it('fills path parameters, encoded', () => {
    expect(buildUrl('/documents/{id}', { id: 'a/b c' })).toBe('/documents/a%2Fb%20c');
  });

  it('adds the query, lists joined with commas, empty values left out', () => {
    expect(buildUrl('/memory/search', undefined, { q: 'boiler service', k: 5, layers: ['semantic', 'notes'], withText: undefined, x: '' })).toBe(
      '/memory/search?q=boiler+service&k=5&layers=semantic%2Cnotes',
    );
  });

  it('refuses a template whose parameter is missing', () => {
    expect(() => buildUrl('/projects/{id}', {})).toThrow(/missing path parameter id/);
  });
});
