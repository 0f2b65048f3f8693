import { describe, expect, it } from 'vitest';
import { snippetParts } from './highlight';

describe('snippetParts', () => {
  it('marks the words between ** pairs and keeps the rest as text', () => {
    expect(snippetParts('The **boiler** was serviced by **Dupont**.')).toEqual([
      { text: 'The ', marked: false },
      { text: 'boiler', marked: true },
      { text: ' was serviced by ', marked: false },
      { text: 'Dupont', marked: true },
      { text: '.', marked: false },
    ]);
  });

  it('keeps a ** without its pair as text', () => {
    expect(snippetParts('a **b** c ** d')).toEqual([
      { text: 'a ', marked: false },
      { text: 'b', marked: true },
      { text: ' c ** d', marked: false },
    ]);
  });

  it('never turns markup into anything but text', () => {
    expect(snippetParts('**<img src=x onerror=alert(1)>**')).toEqual([{ text: '<img src=x onerror=alert(1)>', marked: true }]);
  });
});
