import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ApiKeysService } from '../platform/auth/api-keys.service.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';
import { API_KEYS_SERVICE } from './api-access.guard.js';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';

@ApiTags('keys')
@RequireScope('admin')
@Controller('keys')
export class KeysController {
  constructor(@Inject(API_KEYS_SERVICE) private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is returned once' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  async createApiKey(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { key, view } = await this.apiKeys.create({
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
    });
    return { key, apiKey: view };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  listApiKeys(): Promise<ApiKeyDto[]> {
    return this.apiKeys.list();
  }

  @Delete(':idOrPrefix')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key by id or public prefix' })
  @ApiOkResponse({ type: ApiKeyDto })
  revokeApiKey(@Param('idOrPrefix') idOrPrefix: string): Promise<ApiKeyDto> {
    return this.apiKeys.revoke(idOrPrefix);
  }
}
