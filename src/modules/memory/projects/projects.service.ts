import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ArrayContains, type Repository } from 'typeorm';
import { NotFoundError } from '../../../contracts/errors.js';
import type {
  CreateProjectCommand,
  ListProjectsQuery,
  ProjectDto,
  ProjectIdQuery,
  ProjectListDto,
} from '../../../contracts/memory/project.dto.js';
import { ProjectEntity } from './project.entity.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toProjectDto(p: ProjectEntity): ProjectDto {
  return {
    id: p.id,
    name: p.name,
    summary: p.summary,
    tags: p.tags,
    keywords: p.keywords,
    startedAt: iso(p.startedAt),
    endedAt: iso(p.endedAt),
    createdAt: p.createdAt.toISOString(),
  };
}

/** Memory layer 2: projects and long conversations summarised, with tags and keywords. */
@Injectable()
export class ProjectsService {
  constructor(@InjectRepository(ProjectEntity) private readonly projects: Repository<ProjectEntity>) {}

  async createProject(command: CreateProjectCommand): Promise<ProjectDto> {
    await this.projects
      .createQueryBuilder()
      .insert()
      .values({
        id: command.id,
        name: command.name,
        summary: command.summary ?? '',
        tags: command.tags ?? [],
        keywords: command.keywords ?? [],
        startedAt: command.startedAt ? new Date(command.startedAt) : null,
        endedAt: command.endedAt ? new Date(command.endedAt) : null,
      })
      .orIgnore()
      .execute();
    return this.getProject({ id: command.id });
  }

  async getProject(query: ProjectIdQuery): Promise<ProjectDto> {
    const project = await this.projects.findOneBy({ id: query.id });
    if (!project) throw new NotFoundError(`no project with id ${query.id}`, { id: query.id });
    return toProjectDto(project);
  }

  async listProjects(query: ListProjectsQuery): Promise<ProjectListDto> {
    const [rows, total] = await this.projects.findAndCount({
      where: query.tag ? { tags: ArrayContains([query.tag.toLowerCase()]) } : {},
      order: { createdAt: 'DESC' },
      take: query.limit ?? 50,
      skip: query.offset ?? 0,
    });
    return { projects: rows.map(toProjectDto), total };
  }
}
