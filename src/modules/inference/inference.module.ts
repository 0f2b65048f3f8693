import { Module } from '@nestjs/common';

/** The inference module. It has no features yet (later issues fill it); loading it serves nothing. */
@Module({})
export class InferenceModule {}
