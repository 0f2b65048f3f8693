import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setupSwagger(app: INestApplication, version: string): void {
  const document = createOpenApiDocument(app, version);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}

/** The OpenAPI document of the app's controllers (also written for the web UI's types by scripts/openapi.mjs). */
export function createOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('TARS')
      .setDescription(
        'The REST API of TARS, a self-hosted personal assistant. Send an API key as ' +
          '"Authorization: Bearer <key>" or "X-API-Key: <key>". Errors are JSON: ' +
          '{ statusCode, error, message, code, fields? }.',
      )
      .setVersion(version)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (tars_...)' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .build(),
    // Controller method names are unique verbs: they are the operation ids clients see.
    { operationIdFactory: (_controller, method) => method },
  );
}
