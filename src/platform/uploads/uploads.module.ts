import { Global, Module } from '@nestjs/common';
import { UploadStore } from './upload-store.js';

/** Upload storage shared by the api (writes) and processing (reads) roles. */
@Global()
@Module({ providers: [UploadStore], exports: [UploadStore] })
export class UploadsModule {}
