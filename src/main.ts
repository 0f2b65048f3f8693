import 'reflect-metadata';
import { AsyncResource } from 'node:async_hooks';
import fastifyMultipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { setupSwagger } from './api/swagger.js';
import type { TarsConfigValues } from './config/config.schema.js';
import { natsConnectionOptions } from './platform/bus/nats-options.js';
import { NodeState } from './platform/bus/node-state.js';
import { PrefixedNatsServer } from './platform/bus/prefixed-nats.server.js';
import { TarsLogger } from './platform/logging/tars-logger.js';
import { acceptRequestId, REQUEST_ID_HEADER, runWithRequestId } from './platform/logging/request-context.js';
import { MetricsService } from './platform/metrics/metrics.service.js';
import { TARS_VERSION } from './platform/version.js';
import { systemdEnv } from './config/systemd-env.js';
import { livenessProblem } from './platform/health/liveness-problem.js';
import { SystemdNotifier } from './platform/systemd/systemd-notifier.js';
import { registerWebUi } from './platform/web/web-ui.js';

/** A started node. */
export interface RunningNode {
  app: NestFastifyApplication;
  /** Base URL of its HTTP server, e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a node with the modules of its roles: HTTP first (health answers while the rest comes
 * up), then the NATS handlers, so that no handler runs before every module has initialised.
 */
export async function startNode(config: TarsConfigValues): Promise<RunningNode> {
  const logger = new TarsLogger(config.log.level, config.log.format, config.nodeName);
  const adapter = new FastifyAdapter({ bodyLimit: config.http.bodyLimitBytes });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoles(config), adapter, {
    logger,
    abortOnError: false,
  });
  app.enableShutdownHooks();

  const metrics = app.get(MetricsService);
  metrics.setNodeLabels({ node: config.nodeName, roles: config.roles.join(','), version: TARS_VERSION });
  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON; a text/plain body gets 415 instead of reaching validation as a string.
  fastify.removeContentTypeParser('text/plain');
  // Every request gets an id (the caller's X-Request-Id when acceptable), echoed in the response;
  // the rest of the request (NATS calls, queued jobs, log lines) runs under it.
  // Body parsing continues in the socket's async context, so the context is entered again after it.
  const requestScopes = new WeakMap<object, AsyncResource>();
  fastify.addHook('onRequest', (request, reply, done) => {
    const requestId = acceptRequestId(request.headers[REQUEST_ID_HEADER]);
    void reply.header(REQUEST_ID_HEADER, requestId);
    runWithRequestId(requestId, () => {
      const scope = new AsyncResource('tars-request');
      requestScopes.set(request, scope);
      scope.runInAsyncScope(done);
    });
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const scope = requestScopes.get(request);
    if (scope) scope.runInAsyncScope(done);
    else done();
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    logger.debug(`${request.method} ${route} ${reply.statusCode} in ${reply.elapsedTime.toFixed(1)} ms`, 'http');
  });

  if (config.roles.includes('api')) {
    // File uploads (POST /documents); the size limit is enforced while streaming.
    await app.register(fastifyMultipart, { limits: { fileSize: config.processing.maxUploadBytes, files: 1, fields: 10, parts: 20 } });
    if (config.http.docs) setupSwagger(app, TARS_VERSION);
    if (config.http.ui && !(await registerWebUi(app, config.http.uiDir || undefined))) {
      logger.warn('the web UI is not built (npm run build:web): / says how to build it', 'web');
    }
  }

  if (config.nats.url !== '') {
    app.connectMicroservice<MicroserviceOptions>(
      {
        strategy: new PrefixedNatsServer(
          { ...natsConnectionOptions(config, 'server'), queue: config.nats.queueGroup },
          config.nats.subjectPrefix,
        ),
      },
      { inheritAppConfig: true },
    );
  }

  await app.listen(config.http.port, config.http.host);
  await app.startAllMicroservices();
  app.get(NodeState).natsHandlersSubscribed = true;
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.log(`node ${config.nodeName} (${config.roles.join(', ')}) listening on ${url}`, 'tars');

  // Under systemd (Type=notify): ready now, then watchdog pings while the database and NATS answer.
  const notifier = new SystemdNotifier(systemdEnv(), (message) => logger.warn(message, 'systemd'));
  await notifier.ready(`node ${config.nodeName} (${config.roles.join(', ')}) serving on ${url}`);
  notifier.startWatchdog(() => livenessProblem(app));
  if (notifier.enabled) process.once('SIGTERM', () => void notifier.stopping());
  return {
    app,
    url,
    close: async () => {
      await notifier.stopping();
      await app.close();
    },
  };
}
