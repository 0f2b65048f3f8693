import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ImportAnswersCommand,
  ImportAnswersResultDto,
  ListQuestionsQuery,
  QuestionDto,
  QuestionPageDto,
  QuestionStatsDto,
  SubmitQuestionsCommand,
  SubmitQuestionsResultDto,
} from '../contracts/questions/question.dto.js';
import { QUESTIONS_CONTRACT, type QuestionsContract } from '../contracts/questions/questions.contract.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';

@ApiTags('questions')
@ApiServiceUnavailableResponse({ description: 'The orchestrator (or its queue) cannot be reached: nothing was accepted' })
@Controller('questions')
export class QuestionsController {
  constructor(@Inject(QUESTIONS_CONTRACT.token) private readonly questions: QuestionsContract) {}

  @Post()
  @RequireScope('write')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Submit questions (one or a batch) to be answered in the background',
    description:
      '202 with an id per question, once each is stored and queued. When every question of the request has a validated answer ' +
      '(same question, normalised) younger than questions.cacheTtlHours, 200 with the answers at once. A question may carry a ' +
      'reference answer (it is then scored against it) and an idempotency key (submitting it again returns the first question).',
  })
  @ApiAcceptedResponse({ type: SubmitQuestionsResultDto })
  @ApiOkResponse({ type: SubmitQuestionsResultDto, description: 'Every question was answered from the cache' })
  @ApiBadRequestResponse({ description: 'Empty question, a reference that is not a string, a batch over 500, unknown fields' })
  async submitQuestions(@Body() command: SubmitQuestionsCommand, @Res({ passthrough: true }) reply: FastifyReply): Promise<SubmitQuestionsResultDto> {
    const result = await this.questions.submitQuestions(command);
    if (result.questions.every((q) => q.cached)) void reply.status(HttpStatus.OK);
    return result;
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Questions, newest first (all, or those in one state), each with its state, attempts and score' })
  @ApiOkResponse({ type: QuestionPageDto })
  @ApiBadRequestResponse({ description: 'An unknown state, a limit outside 1-200, a negative offset' })
  listQuestions(@Query() query: ListQuestionsQuery): Promise<QuestionPageDto> {
    return this.questions.listQuestions(query);
  }

  @Get('stats')
  @RequireScope('read')
  @ApiOperation({ summary: 'Pipeline statistics: latency per stage (P50/P95/P99), error distribution, regeneration outcomes' })
  @ApiOkResponse({ type: QuestionStatsDto })
  getQuestionStats(): Promise<QuestionStatsDto> {
    return this.questions.questionStats({});
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'A question: its state, answer and score, and every attempt with its errors and timings' })
  @ApiOkResponse({ type: QuestionDto })
  @ApiNotFoundResponse({ description: 'No question with that id' })
  getQuestion(@Param('id', new ParseUUIDPipe()) id: string): Promise<QuestionDto> {
    return this.questions.getQuestion({ id });
  }

  @Post('import')
  @RequireScope('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Import previously answered questions as a baseline (tars import answers)',
    description: 'Idempotent: the same question and answer imported again are skipped.',
  })
  @ApiOkResponse({ type: ImportAnswersResultDto })
  importAnswers(@Body() command: ImportAnswersCommand): Promise<ImportAnswersResultDto> {
    return this.questions.importAnswers(command);
  }
}
