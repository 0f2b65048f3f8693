import { ApiProperty } from '@nestjs/swagger';

export class OpenAiModelDto {
  @ApiProperty({ example: 'tars', description: 'The name to send as `model`' }) id: string;
  @ApiProperty({ enum: ['model'] }) object: 'model';
  @ApiProperty({ description: 'Unix time (seconds); TARS gives the time the node started' }) created: number;
  @ApiProperty({ example: 'ollama', description: '`tars`, the inference backend id serving an LLM, or `tars-embeddings`' })
  owned_by: string;
}

export class OpenAiModelListDto {
  @ApiProperty({ enum: ['list'] }) object: 'list';
  @ApiProperty({ type: [OpenAiModelDto] }) data: OpenAiModelDto[];
}
