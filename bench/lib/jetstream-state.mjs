// Cleans up what TARS nodes made on the shared NATS server under a benchmark's subject prefix.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** Deletes every JetStream stream (work queues, dead letters, KV buckets) the nodes made under `prefix`. */
export async function deleteJetStreamState(natsUrl, prefix) {
  const nc = await connect({ servers: natsUrl, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const info of jsm.streams.list()) {
      const name = info.config.name;
      if (name.startsWith(`${prefix}_`) || name.startsWith(`KV_${prefix}_`)) await jsm.streams.delete(name).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
