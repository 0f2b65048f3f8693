import { ApiProperty } from '@nestjs/swagger';
import { MODULE_NAMES, type ModuleName } from '../../config/roles.js';

export class NodeInfoDto {
  @ApiProperty({ example: 'ok' }) status: 'ok';
  @ApiProperty({ example: 'pc1' }) node: string;
  @ApiProperty({ enum: MODULE_NAMES, isArray: true }) roles: ModuleName[];
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty() uptimeSeconds: number;
}
