import type { TarsConfigValues } from '../../config/config.schema.js';

/** Connection options for every NATS connection a node opens (nats.js v3 `ConnectionOptions`). */
export function natsConnectionOptions(config: TarsConfigValues, purpose: string): Record<string, unknown> {
  const { nats } = config;
  const options: Record<string, unknown> = {
    servers: nats.url.split(',').map((s) => s.trim()),
    name: `tars-${config.nodeName}-${purpose}`,
    // A 24/7 node never gives up on NATS (the client default stops after ~20 s of outage).
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: true,
  };
  if (nats.user) Object.assign(options, { user: nats.user, pass: nats.password });
  if (nats.token) options.token = nats.token;
  if (nats.tls.enabled) {
    options.tls = Object.fromEntries(
      Object.entries({ caFile: nats.tls.caFile, certFile: nats.tls.certFile, keyFile: nats.tls.keyFile }).filter(
        ([, v]) => v !== '',
      ),
    );
  }
  return options;
}

/** The full NATS subject of a contract subject on this install. */
export function prefixedSubject(prefix: string, subject: string): string {
  return `${prefix}.${subject}`;
}
