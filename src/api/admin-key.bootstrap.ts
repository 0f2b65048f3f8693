import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { adminKeyPath } from '../platform/auth/admin-key-file.js';
import { TarsConfig } from '../config/tars-config.js';
import type { ApiKeysService } from '../platform/auth/api-keys.service.js';
import { API_KEYS_SERVICE } from './api-access.guard.js';


/**
 * On the first start of an install (no key exists at all) creates an admin key, prints it once and
 * saves it, owner-readable only, in the data folder, so that a single-PC owner is never locked out.
 */
@Injectable()
export class AdminKeyBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('auth');

  constructor(
    private readonly config: TarsConfig,
    @Inject(API_KEYS_SERVICE) private readonly apiKeys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.auth.bootstrapAdminKey) return;
    const created = await this.apiKeys.createFirstAdminKey();
    if (!created) return;
    const file = adminKeyPath(this.config);
    mkdirSync(this.config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    this.logger.warn(`first start: created admin API key ${created.view.prefix}… and saved it to ${file}`);
    process.stdout.write(
      `\nTARS admin API key (shown once; also saved to ${file}):\n\n  ${created.key}\n\n` +
        'Create everyday keys with: tars keys create --name NAME --scopes read,write\n\n',
    );
  }
}
