import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROMPTS_DIR, PromptTemplateError, PromptTemplates, TEMPLATE_NAMES } from './prompt-templates.js';

describe('PromptTemplates', () => {
  it('loads the shipped templates and fills placeholders', () => {
    const templates = PromptTemplates.load(DEFAULT_PROMPTS_DIR);
    const text = templates.render('answer', { passages: 'PASSAGES', question: 'What?' });
    expect(text).toContain('PASSAGES');
    expect(text).toContain('Question: What?');
    expect(text).not.toContain('{{');
  });

  it('names the missing file when a folder lacks a template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prompts-'));
    try {
      for (const name of TEMPLATE_NAMES.filter((n) => n !== 'rewrite')) writeFileSync(join(dir, `${name}.md`), 'x');
      expect(() => PromptTemplates.load(dir)).toThrow(PromptTemplateError);
      expect(() => PromptTemplates.load(dir)).toThrow(/rewrite\.md/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses templates from a custom folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prompts-'));
    try {
      for (const name of TEMPLATE_NAMES) writeFileSync(join(dir, `${name}.md`), `${name}: {{ question }} {{unknown}}!`);
      expect(PromptTemplates.load(dir).render('system', { question: 'q' })).toBe('system: q !');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
