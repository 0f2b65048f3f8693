// A bare responder in its own process: the far end of the hop without Nest, TARS or PostgreSQL.
// Started by hop-breakdown.mjs, it answers
//   - on <subject>, in Nest's NATS wire format (request `{ pattern, data, id }`, reply
//     `{ id, err, response, isDisposed }`) with a fixed response body read from a file;
//   - on <subject>.small, the same with an empty body;
//   - on a loopback TCP port, any chunk received with the serialised response (plain TCP floor).
// It prints the TCP port once it is ready.
//   node nats-responder.mjs <nats-url> <subject> <response-json-file>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect } from '@nats-io/transport-node';

const [natsUrl, subject, responseFile] = process.argv.slice(2);
const response = JSON.parse(readFileSync(responseFile, 'utf8'));
const nc = await connect({ servers: natsUrl, name: 'tars-bench-responder' });
const reply = (body) => (_err, msg) => {
  const { id } = msg.json();
  msg.respond(JSON.stringify({ id, err: null, response: body, isDisposed: true }));
};
nc.subscribe(subject, { callback: reply(response) });
nc.subscribe(`${subject}.small`, { callback: reply({}) });
await nc.flush();

const tcpReply = Buffer.from(JSON.stringify(response));
const tcp = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', () => socket.write(tcpReply));
});
tcp.listen(0, '127.0.0.1', () => process.stdout.write(`${tcp.address().port}\n`));
process.on('SIGTERM', () => {
  tcp.close();
  void nc.close().finally(() => process.exit(0));
});
