import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MEMORY_CONTRACT, type MemoryContract } from '../contracts/memory/memory.contract.js';
import { ListProjectsQuery, ProjectDto, ProjectInputDto, ProjectListDto } from '../contracts/memory/project.dto.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';

@ApiTags('projects')
@Controller('projects')
export class ProjectsController {
  constructor(@Inject(MEMORY_CONTRACT.token) private readonly memory: MemoryContract) {}

  @Post()
  @RequireScope('write')
  @ApiOperation({ summary: 'Record a project with its summary, tags and keywords (memory layer 2)' })
  @ApiCreatedResponse({ type: ProjectDto })
  createProject(@Body() body: ProjectInputDto): Promise<ProjectDto> {
    return this.memory.createProject({ ...body, id: randomUUID() });
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Projects, newest first' })
  @ApiOkResponse({ type: ProjectListDto })
  listProjects(@Query() query: ListProjectsQuery): Promise<ProjectListDto> {
    return this.memory.listProjects(query);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'A project' })
  @ApiOkResponse({ type: ProjectDto })
  @ApiNotFoundResponse({ description: 'No project with that id' })
  getProject(@Param('id', new ParseUUIDPipe()) id: string): Promise<ProjectDto> {
    return this.memory.getProject({ id });
  }
}
