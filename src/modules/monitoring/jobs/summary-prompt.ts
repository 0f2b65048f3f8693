import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { PACKAGE_ROOT } from '../../../config/config.loader.js';
import { TarsConfig } from '../../../config/tars-config.js';
import type { SummaryTurn } from './extractive-summary.js';

export const SUMMARY_TEMPLATE = 'conversation-summary.md';

/** About 3.5 characters per token for English with LLaMA-family tokenizers, rounded up (as the orchestrator counts). */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 3.5);

/** Tokens of chat framing around a message, and a margin for the estimate's error. */
const MESSAGE_OVERHEAD_TOKENS = 6;
const MARGIN_TOKENS = 64;

/** Turns (or pieces of a long turn) that fit one LLM call together. */
export type SummaryWindow = string[];

/** Conversation text may not close the prompt's own delimiters: it is untrusted data. */
function neutralise(text: string): string {
  return text.replace(/<\/?\s*(conversation|earlier-summary|system|instructions?)\b[^>]*>/gi, '[removed tag]');
}

const roleLabel = (role: SummaryTurn['role']) => (role === 'assistant' ? 'TARS' : role === 'user' ? 'Owner' : 'System');

/**
 * The conversation-summary prompt (`conversation-summary.md`, read once at start from
 * orchestrator.promptsDir, or the shipped one when that folder has none) and how conversations are
 * cut to fit the context window: a conversation longer than one window is summarised in passes,
 * each pass given the summary so far and the next window of turns, so that every turn is read.
 */
@Injectable()
export class SummaryPrompt {
  private readonly template: string;
  readonly file: string;

  constructor(config: TarsConfig) {
    const custom = config.orchestrator.promptsDir ? join(config.orchestrator.promptsDir, SUMMARY_TEMPLATE) : undefined;
    this.file = custom && existsSync(custom) ? custom : join(PACKAGE_ROOT, 'config', 'prompts', SUMMARY_TEMPLATE);
    try {
      this.template = readFileSync(this.file, 'utf8').trimEnd();
    } catch (err) {
      throw new Error(`prompt template ${this.file} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }

  render(values: { title: string; previous: string | null; turns: string; words: number }): string {
    const filled: Record<string, string> = {
      title: neutralise(values.title || 'untitled').replace(/\s+/g, ' '),
      previous: values.previous ? neutralise(values.previous) : '(none)',
      turns: neutralise(values.turns),
      words: String(values.words),
    };
    return this.template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) => filled[key] ?? '');
  }

  /**
   * Splits the turns into windows that fit `numCtx` next to the template, an earlier summary of up
   * to `summaryTokens` and the answer (`summaryTokens`). A turn longer than a window is split into
   * pieces (labelled as continued): nothing is left out.
   */
  windows(turns: SummaryTurn[], numCtx: number, summaryTokens: number): SummaryWindow[] {
    const frame = estimateTokens(this.render({ title: 'x'.repeat(80), previous: null, turns: '', words: summaryTokens }));
    const budget = numCtx - frame - 2 * summaryTokens - MESSAGE_OVERHEAD_TOKENS - MARGIN_TOKENS;
    if (budget < 64) throw new Error(`jobs.synthesis.numCtx ${numCtx} leaves no room for turns next to the prompt and ${summaryTokens} summary tokens`);
    const maxChars = Math.floor(budget * 3.5) - 32;
    const lines: string[] = [];
    for (const turn of turns) {
      const text = neutralise(turn.content.trim());
      for (let start = 0, piece = 0; start < text.length || piece === 0; start += maxChars, piece++) {
        lines.push(`[${roleLabel(turn.role)}${piece > 0 ? ', continued' : ''}] ${text.slice(start, start + maxChars)}`);
      }
    }
    const windows: SummaryWindow[] = [];
    let current: string[] = [];
    let used = 0;
    for (const line of lines) {
      const cost = estimateTokens(line) + 1;
      if (current.length > 0 && used + cost > budget) {
        windows.push(current);
        current = [];
        used = 0;
      }
      current.push(line);
      used += cost;
    }
    if (current.length > 0) windows.push(current);
    return windows;
  }
}
