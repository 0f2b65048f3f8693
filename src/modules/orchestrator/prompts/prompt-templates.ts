import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../../config/config.loader.js';

/** The templates the orchestrator needs, each a `<name>.md` file in the prompts folder. */
export const TEMPLATE_NAMES = ['system', 'answer', 'synthesis', 'passage', 'rewrite', 'degraded', 'degraded-empty'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** The templates shipped with TARS. */
export const DEFAULT_PROMPTS_DIR = join(PACKAGE_ROOT, 'config', 'prompts');

export class PromptTemplateError extends Error {}

/**
 * Prompt templates read from files (never written in code), with `{{name}}` placeholders. All are
 * read once at start, so a missing or unreadable file stops the node with its path instead of
 * failing the first question.
 */
export class PromptTemplates {
  private constructor(private readonly templates: ReadonlyMap<TemplateName, string>) {}

  static load(dir: string): PromptTemplates {
    const templates = new Map<TemplateName, string>();
    for (const name of TEMPLATE_NAMES) {
      const file = join(dir, `${name}.md`);
      try {
        templates.set(name, readFileSync(file, 'utf8').trimEnd());
      } catch (err) {
        throw new PromptTemplateError(`prompt template ${file} cannot be read (orchestrator.promptsDir): ${(err as Error).message}`);
      }
    }
    return new PromptTemplates(templates);
  }

  /** The template with each `{{key}}` replaced; placeholders without a value become empty. */
  render(name: TemplateName, values: Record<string, string | number> = {}): string {
    return this.templates.get(name)!.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) =>
      key in values ? String(values[key]) : '',
    );
  }
}
