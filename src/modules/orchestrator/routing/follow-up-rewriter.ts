import { Logger } from '@nestjs/common';
import type { TarsConfigValues } from '../../../config/config.schema.js';
import type { ChatMessageDto } from '../../../contracts/inference/generation.dto.js';
import type { InferenceContract } from '../../../contracts/inference/inference.contract.js';
import { consume } from '../observable-consumer.js';
import type { PromptTemplates } from '../prompts/prompt-templates.js';
import { concatWithPrevious } from './follow-up.js';

export interface Rewrite {
  query: string;
  method: 'llm' | 'concat';
}

/**
 * Makes a follow-up question self-contained for retrieval. `llm` asks the model (bounded by
 * rewrite.timeoutMs, a short answer, temperature 0) and falls back to `concat` when it fails,
 * times out or answers something unusable.
 */
export class FollowUpRewriter {
  private readonly logger = new Logger('orchestrator');

  constructor(
    private readonly config: TarsConfigValues['orchestrator']['rewrite'],
    private readonly templates: PromptTemplates,
    private readonly inference: () => InferenceContract | undefined,
  ) {}

  async rewrite(question: string, history: readonly ChatMessageDto[], model: string | undefined, signal: AbortSignal): Promise<Rewrite> {
    const fallback: Rewrite = { query: concatWithPrevious(question, history), method: 'concat' };
    const inference = this.inference();
    if (this.config.mode !== 'llm' || !inference) return fallback;

    const transcript = history
      .slice(-6)
      .map((m) => `${m.role}: ${m.content.replace(/\s+/g, ' ').slice(0, 500)}`)
      .join('\n');
    const prompt = this.templates.render('rewrite', { history: transcript, question });
    const limit = AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]);
    let text = '';
    try {
      await consume(
        inference.streamGenerate({ model, messages: [{ role: 'user', content: prompt }], options: { temperature: 0, maxTokens: 96, numCtx: 2048 } }),
        limit,
        (event) => {
          if (event.type === 'token') text += event.text;
        },
      );
    } catch (err) {
      if (signal.aborted) throw err;
      this.logger.debug?.(`follow-up rewrite by the LLM failed (${(err as Error).message}); using the previous question`);
      return fallback;
    }
    const line = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0)?.replace(/^["'`]+|["'`]+$/g, '') ?? '';
    if (line.length < 3 || line.length > 500) return fallback;
    return { query: line, method: 'llm' };
  }
}
