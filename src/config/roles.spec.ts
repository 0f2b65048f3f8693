import { describe, expect, it } from 'vitest';
import { MODULE_NAMES, parseRoles, UnknownRoleError } from './roles.js';

describe('parseRoles', () => {
  it('loads every module for the preset all', () => {
    expect(parseRoles('all')).toEqual([...MODULE_NAMES]);
  });

  it('maps the presets of the two-PC plan', () => {
    expect(parseRoles('cognitive')).toEqual(['inference', 'memory', 'api']);
    expect(parseRoles('processing')).toEqual(['orchestrator', 'processing', 'monitoring']);
  });

  it('accepts any comma list of modules, in canonical order, ignoring case, spaces and repeats', () => {
    expect(parseRoles(' API, memory ,api')).toEqual(['memory', 'api']);
    expect(parseRoles('orchestrator,api')).toEqual(['orchestrator', 'api']);
  });

  it('reads processing inside a list as the module, not the preset', () => {
    expect(parseRoles('processing,api')).toEqual(['processing', 'api']);
  });

  it('expands presets inside a list', () => {
    expect(parseRoles('cognitive,monitoring')).toEqual(['inference', 'memory', 'monitoring', 'api']);
  });

  it('names every unknown item', () => {
    expect(() => parseRoles('memory,brain,heart')).toThrow(UnknownRoleError);
    expect(() => parseRoles('memory,brain,heart')).toThrow(/'brain', 'heart'/);
  });

  it('rejects an empty value', () => {
    expect(() => parseRoles(' , ')).toThrow(UnknownRoleError);
  });
});
