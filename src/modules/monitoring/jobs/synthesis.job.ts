import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { TarsConfigValues } from '../../../config/config.schema.js';
import { TarsConfig } from '../../../config/tars-config.js';
import { LlmUnavailableError, ModelNotFoundError, ModuleUnavailableError, TarsError } from '../../../contracts/errors.js';
import { INFERENCE_CONTRACT, type InferenceContract } from '../../../contracts/inference/inference.contract.js';
import type { IdleConversationDto, SummaryMethod } from '../../../contracts/memory/conversation-synthesis.dto.js';
import type { TurnDto } from '../../../contracts/memory/conversation.dto.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../../contracts/memory/memory.contract.js';
import { encodeVector } from '../../../contracts/memory/semantic.dto.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../../../contracts/processing/processing.contract.js';
import { extractiveSummary, keywordsOf } from './extractive-summary.js';
import type { JobDefinition, JobRunContext } from './job-definition.js';
import { SummaryPrompt } from './summary-prompt.js';

const HOUR_MS = 3_600_000;
const TURNS_PAGE = 500;
const SUMMARY_MAX_CHARS = 20_000;
/** Failures that say no LLM can answer at all: the rest of the run goes extractive without asking again. */
const LLM_GONE = [LlmUnavailableError, ModuleUnavailableError, ModelNotFoundError];

interface Summary {
  text: string;
  method: SummaryMethod;
  model?: string;
  /** Why the LLM was not used, when it was not. */
  fallbackReason?: string;
  /** Set when the failure says no LLM can answer at all. */
  llmGone?: boolean;
}

interface RunCounts {
  idle: number;
  summarised: number;
  llm: number;
  extractive: number;
  failed: number;
  turnsSummarised: number;
  turnsCompacted: number;
  conversations: Array<{ id: string; method: SummaryMethod; turns: number; passes?: number; reason?: string } | { id: string; error: string }>;
}

/**
 * The nightly synthesis: conversations idle for `jobs.synthesis.idleHours` with turns newer than
 * their summary are summarised (by the LLM through INFERENCE_CONTRACT, or extractively when no LLM
 * answers), the summary is embedded (PROCESSING_CONTRACT) and stored in memory layers 2 and 3
 * (MEMORY_CONTRACT), then raw turns older than `keepTurnsDays` that a stored summary covers are
 * compacted. Idempotent: a re-run finds nothing new to summarise.
 */
@Injectable()
export class SynthesisJob implements JobDefinition {
  readonly name = 'synthesis' as const;
  readonly description = 'Summarises idle conversations into memory layer 2, embeds the summaries into layer 3 and compacts old raw turns';
  private readonly logger = new Logger('jobs:synthesis');

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: TarsConfig,
    private readonly prompt: SummaryPrompt,
  ) {}

  cron(config: TarsConfigValues): string {
    return config.jobs.synthesis.cron;
  }

  /** Contracts are resolved at run time: each is bound locally or to NATS, whichever this node has. */
  private contract<T>(token: string): T {
    return this.moduleRef.get<T>(token, { strict: false });
  }

  async run(context: JobRunContext): Promise<Record<string, unknown>> {
    const settings = this.config.jobs.synthesis;
    const memory = this.contract<MemoryContract>(MEMORY_CONTRACT.token);
    const processing = this.contract<ProcessingContract>(PROCESSING_CONTRACT.token);
    const now = Date.now();
    const counts: RunCounts = { idle: 0, summarised: 0, llm: 0, extractive: 0, failed: 0, turnsSummarised: 0, turnsCompacted: 0, conversations: [] };
    const report = () => {
      const { conversations, ...totals } = counts;
      return { ...totals, conversations: conversations.slice(0, 50) };
    };

    const { conversations } = await memory.listIdleConversations({
      idleBefore: new Date(now - settings.idleHours * HOUR_MS).toISOString(),
      limit: settings.maxConversationsPerRun,
    });
    counts.idle = conversations.length;
    let llmDown = await this.llmDownReason();
    if (llmDown) this.logger.warn(`no LLM answers (${llmDown}): conversations are summarised extractively`);

    for (const conversation of conversations) {
      context.signal.throwIfAborted();
      try {
        const turns = await this.newTurns(memory, conversation);
        if (turns.length === 0) continue;
        const summary = await this.summarise(conversation, turns, llmDown, context.signal);
        if (summary.llmGone) llmDown = summary.fallbackReason;
        const embedded = await processing.embedTexts({ texts: [summary.text], use: 'conversations' });
        const coveredUntilTurnId = turns.at(-1)!.id;
        await memory.storeConversationSummary({
          conversationId: conversation.id,
          summary: summary.text,
          method: summary.method,
          ...(summary.model ? { model: summary.model } : {}),
          coveredUntilTurnId,
          coveredTurns: conversation.summarisedTurns + turns.length,
          keywords: keywordsOf([conversation.title, summary.text], 12),
          embedding: { model: embedded.model, dimensions: embedded.dimensions, vector: encodeVector(Float32Array.from(embedded.vectors[0])) },
        });
        counts.summarised++;
        counts[summary.method]++;
        counts.turnsSummarised += turns.length;
        counts.conversations.push({
          id: conversation.id,
          method: summary.method,
          turns: turns.length,
          ...(summary.fallbackReason ? { reason: summary.fallbackReason } : {}),
        });
      } catch (err) {
        if (context.signal.aborted) throw err;
        counts.failed++;
        const message = err instanceof Error ? err.message : String(err);
        counts.conversations.push({ id: conversation.id, error: message });
        this.logger.error(`conversation ${conversation.id}: not summarised: ${message}`);
      }
      context.progress(report());
    }

    context.signal.throwIfAborted();
    const compacted = await memory.compactConversationTurns({ olderThan: new Date(now - settings.keepTurnsDays * 24 * HOUR_MS).toISOString() });
    counts.turnsCompacted = compacted.compactedTurns;
    return { ...report(), conversationsCompacted: compacted.conversations, ...(llmDown ? { llmUnavailable: llmDown } : {}) };
  }

  /** Why no LLM can be asked now, or undefined when one answers. */
  private async llmDownReason(): Promise<string | undefined> {
    try {
      const status = await this.contract<InferenceContract>(INFERENCE_CONTRACT.token).status({});
      return status.up ? undefined : status.backends.map((b) => `${b.id}: ${b.detail}`).join('; ') || 'no LLM backend is configured';
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** Every turn after the stored summary, oldest first. */
  private async newTurns(memory: MemoryContract, conversation: IdleConversationDto): Promise<TurnDto[]> {
    const turns: TurnDto[] = [];
    let after = conversation.summarisedUntilTurnId ?? 0;
    for (;;) {
      const page = await memory.listTurns({ conversationId: conversation.id, afterTurnId: after, limit: TURNS_PAGE });
      // Turns added after the conversation was found idle wait for the next run.
      const wanted = page.turns.filter((t) => t.id <= conversation.lastTurnId);
      turns.push(...wanted);
      if (page.turns.length < TURNS_PAGE || wanted.length < page.turns.length) return turns;
      after = page.turns.at(-1)!.id;
    }
  }

  private async summarise(conversation: IdleConversationDto, turns: TurnDto[], llmDown: string | undefined, signal: AbortSignal): Promise<Summary> {
    if (!llmDown) {
      try {
        return await this.summariseWithLlm(conversation, turns, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        this.logger.warn(`conversation ${conversation.id}: the LLM did not summarise it (${reason}); summarising extractively`);
        return { ...this.summariseExtractively(conversation, turns), fallbackReason: reason, llmGone: LLM_GONE.some((cls) => err instanceof cls) };
      }
    }
    return { ...this.summariseExtractively(conversation, turns), fallbackReason: llmDown };
  }

  private summariseExtractively(conversation: IdleConversationDto, turns: TurnDto[]): Summary {
    const text = extractiveSummary({
      title: conversation.title,
      previous: conversation.summary,
      turns,
      maxWords: Math.round(this.config.jobs.synthesis.summaryTokens * 0.75),
    });
    return { text: text.slice(0, SUMMARY_MAX_CHARS), method: 'extractive' };
  }

  /** One LLM pass per window of turns, each given the summary so far (see SummaryPrompt.windows). */
  private async summariseWithLlm(conversation: IdleConversationDto, turns: TurnDto[], signal: AbortSignal): Promise<Summary> {
    const { numCtx, summaryTokens } = this.config.jobs.synthesis;
    const inference = this.contract<InferenceContract>(INFERENCE_CONTRACT.token);
    let summary = conversation.summary;
    let model: string | undefined;
    for (const window of this.prompt.windows(turns, numCtx, summaryTokens)) {
      signal.throwIfAborted();
      const content = this.prompt.render({ title: conversation.title, previous: summary, turns: window.join('\n'), words: Math.round(summaryTokens * 0.75) });
      const result = await inference.generate({
        messages: [{ role: 'user', content }],
        options: { temperature: 0.2, maxTokens: summaryTokens, numCtx },
      });
      const text = result.text.trim();
      if (text === '') throw new TarsError(`the LLM (${result.summary.model}) answered with an empty summary`);
      summary = text;
      model = result.summary.model;
    }
    return { text: summary!.slice(0, SUMMARY_MAX_CHARS), method: 'llm', ...(model ? { model } : {}) };
  }
}
