import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/config.loader.js';
import { checkConfig, describeConfig } from './check-config.js';

describe('checkConfig', () => {
  it('returns the configuration when every variable is a setting', async () => {
    const config = await checkConfig(() => loadConfig({ env: { TARS_ROLES: 'cognitive', NATS_URL: 'nats://127.0.0.1:4222' } }));
    expect(config.roles).toEqual(['inference', 'memory', 'api']);
  });

  it('fails on an unknown TARS_ variable, naming it', async () => {
    const check = checkConfig(() => loadConfig({ env: { TARS_HTTP_PROT: '3000' } }));
    await expect(check).rejects.toBeInstanceOf(ConfigError);
    await expect(check).rejects.toThrow('TARS_HTTP_PROT is not a TARS setting');
  });

  it('fails on a bad value like serve does', async () => {
    await expect(checkConfig(() => loadConfig({ env: { TARS_HTTP_PORT: '70000' } }))).rejects.toThrow(/http\.port \(from TARS_HTTP_PORT\)/);
  });
});

describe('describeConfig', () => {
  it('names the node, its modules and services without credentials', () => {
    const config = loadConfig({
      env: {
        TARS_NODE_NAME: 'pc2',
        TARS_ROLES: 'processing',
        DATABASE_URL: 'postgres://tars:secret-db@pc1.lan:5432/tars',
        NATS_URL: 'nats://tars:secret-nats@pc1.lan:4222,nats://pc3.lan:4222',
      },
    });
    const text = describeConfig(config);
    expect(text).toContain('node      pc2');
    expect(text).toContain('roles     orchestrator, processing, monitoring');
    expect(text).toContain('database  postgres://pc1.lan:5432/tars');
    expect(text).toContain('nats      nats://pc1.lan:4222, nats://pc3.lan:4222');
    expect(text).not.toMatch(/secret/);
  });

  it('says when the database is embedded and there is no NATS', () => {
    const text = describeConfig(loadConfig({ env: { TARS_DATA_DIR: '/var/lib/tars' } }));
    expect(text).toContain('embedded PGlite in /var/lib/tars/pglite');
    expect(text).toContain('nats      none');
  });
});
