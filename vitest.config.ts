import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the TypeScript so that Nest's decorator metadata (emitDecoratorMetadata) exists in tests.
const plugins = [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2023' } })];

export default defineConfig({
  test: {
    projects: [
      {
        plugins,
        test: { name: 'unit', include: ['src/**/*.spec.ts'], environment: 'node' },
      },
      {
        // The web UI's pure parts (SSE and Prometheus parsers, Markdown sanitising...); DOM tests opt into jsdom.
        test: { name: 'web', include: ['web/src/**/*.spec.ts'], environment: 'node' },
      },
      {
        plugins,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/support/services.global-setup.ts'],
        },
      },
      {
        plugins,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/support/services.global-setup.ts', 'test/support/build.global-setup.ts'],
        },
      },
      {
        // The web UI in Debian's Chromium (headless, playwright-core) against a real node; screenshots in test-artifacts/.
        plugins,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/support/services.global-setup.ts', 'test/support/build.global-setup.ts', 'test/browser/global-setup.ts'],
        },
      },
    ],
  },
});
