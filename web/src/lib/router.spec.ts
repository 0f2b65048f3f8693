// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from './router';

describe('parseRoute', () => {
  it('leads / and /ui to the chat', () => {
    expect(parseRoute('/')).toEqual({ page: 'chat' });
    expect(parseRoute('/ui/')).toEqual({ page: 'chat' });
  });

  it('reads the pages and the ids of those that have one', () => {
    expect(parseRoute('/ui/chat/4b6f')).toEqual({ page: 'chat', id: '4b6f' });
    expect(parseRoute('/ui/documents')).toEqual({ page: 'documents' });
    expect(parseRoute('/ui/questions/abc')).toEqual({ page: 'questions', id: 'abc' });
    expect(parseRoute(hrefFor('projects', 'a b'))).toEqual({ page: 'projects', id: 'a b' });
  });

  it('answers not-found for unknown pages, ids where none belong and paths outside /ui', () => {
    expect(parseRoute('/ui/keys').page).toBe('not-found');
    expect(parseRoute('/ui/cluster/x').page).toBe('not-found');
    expect(parseRoute('/ui/chat/a/b').page).toBe('not-found');
    expect(parseRoute('/documents').page).toBe('not-found');
  });
});
