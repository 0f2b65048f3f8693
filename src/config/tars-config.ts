/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the class is the DI token, the interface gives it its shape */
import type { TarsConfigValues } from './config.schema.js';

/**
 * Injection token and type of the validated configuration: `constructor(private config: TarsConfig)`.
 * The value is the plain object returned by `loadConfig`.
 */
export abstract class TarsConfig {}
export interface TarsConfig extends TarsConfigValues {}
