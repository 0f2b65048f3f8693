import { Module } from '@nestjs/common';

/** The monitoring module. It has no features yet (later issues fill it); loading it serves nothing. */
@Module({})
export class MonitoringModule {}
