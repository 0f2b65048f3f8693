// Where the time of the NATS hop goes, without HTTP: the same notes search call made from this
// process through each layer, sequentially, in interleaved rounds so that drift affects all alike.
//   json         JSON.stringify + JSON.parse of one search result, in this process
//   sql          the search's SQL alone (pg)
//   local        TARS's local contract binding in this process (validation, TypeORM, SQL)
//   tars-nats    TARS's NATS binding (Nest ClientNats) to the running memory node B
//   tcp          plain loopback TCP round trip to a bare responder process, same reply (the floor)
//   nats-ping    nats.js PING/PONG with nats-server (client -> server -> client, no routing)
//   raw-small    nats.js request() to the bare responder, empty reply body
//   raw-request  nats.js request() to the bare responder, same reply as the search (Nest wire format)
//   raw-inbox    the same with a fresh inbox subscription per request, as Nest's ClientNats does
//   nest-client  TARS's NATS client (Nest ClientNats) to the same bare responder
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { connect as connectTcp } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, createInbox } from '@nats-io/transport-node';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { firstValueFrom } from 'rxjs';
import { latencyStats, timeSequential } from './measure.mjs';
import { QUERIES } from './notes-corpus.mjs';

const dist = (p) => new URL(`../../dist/${p}`, import.meta.url).href;
const SEARCH_SQL = `SELECT id, title, text, tags, created_at, ts_rank_cd(search, q) AS rank,
       ts_headline('english', text, q, 'StartSel=**, StopSel=**, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2') AS snippet
  FROM notes, websearch_to_tsquery('english', $1) AS q WHERE search @@ q
 ORDER BY rank DESC, created_at DESC LIMIT 10`;

function startResponder(natsUrl, subject, responseFile) {
  const script = fileURLToPath(new URL('./nats-responder.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, natsUrl, subject, responseFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the NATS responder did not start within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`the NATS responder exited with ${code}`)));
    child.stdout.once('data', (line) => {
      clearTimeout(timer);
      resolve({ child, tcpPort: Number(String(line).trim()) });
    });
  });
}

/** One keep-alive TCP connection: each call sends a byte and waits for a `replyBytes` reply, then parses it. */
async function tcpRoundTrips(port, replyBytes) {
  const socket = await new Promise((resolve, reject) => {
    const s = connectTcp(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  let chunks = [];
  let received = 0;
  let done = () => undefined;
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    received += chunk.length;
    if (received >= replyBytes) done();
  });
  const call = () => new Promise((resolve) => {
    chunks = [];
    received = 0;
    done = () => resolve(JSON.parse(Buffer.concat(chunks).toString()));
    socket.write('x');
  });
  return { call, close: async () => socket.destroy() };
}

/** `fn` with every call failing after `ms`, so that a lost reply cannot stall the benchmark. */
function bounded(fn, ms = 5000) {
  return (i) => {
    let timer;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    return Promise.race([fn(i), limit]).finally(() => clearTimeout(timer));
  };
}

function inboxRequest(nc, subject, payload) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error('no reply within 5 s'));
    }, 5000);
    const sub = nc.subscribe(createInbox(), {
      callback: (err, msg) => {
        clearTimeout(timer);
        sub.unsubscribe();
        if (err) reject(err);
        else resolve(msg.json());
      },
    });
    nc.publish(subject, payload, { reply: sub.getSubject() });
  });
}

/**
 * Measures every layer `rounds` times `perRound` calls (each block bounded by `maxBlockMs`) and
 * returns `{ name: { requests, p50, p90, p99 } }` plus the size of the reply in bytes.
 */
export async function hopBreakdown({ databaseUrl, natsUrl, subjectPrefix, dataDir, rounds, perRound, maxBlockMs }) {
  const { loadConfig } = await import(dist('config/config.loader.js'));
  const { AppModule } = await import(dist('app.module.js'));
  const { MEMORY_CONTRACT } = await import(dist('contracts/memory/memory.contract.js'));
  const { PrefixedNatsClient } = await import(dist('platform/bus/prefixed-nats.client.js'));
  const { natsBinding } = await import(dist('platform/bus/remote-binding.js'));
  const { natsConnectionOptions } = await import(dist('platform/bus/nats-options.js'));

  // The memory module alone, bound locally; its NATS handlers stay unsubscribed (no microservice
  // is started in an application context), so nothing here competes with node B.
  const overrides = {
    roles: 'memory', dataDir, 'database.url': databaseUrl, 'nats.url': natsUrl, 'nats.subjectPrefix': subjectPrefix,
    'log.level': 'warn',
  };
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({ env: {}, overrides });
  const closers = [];
  try {
    const app = await NestFactory.createApplicationContext(AppModule.forRoles(config), { logger: ['error', 'warn'] });
    closers.push(() => app.close());
    const local = app.get(MEMORY_CONTRACT.token);

    const client = new PrefixedNatsClient(natsConnectionOptions(config, 'bench'), subjectPrefix);
    await client.connect();
    closers.push(() => client.close());
    const remote = natsBinding(MEMORY_CONTRACT, client, 5000);

    const sql = new pg.Client({ connectionString: databaseUrl });
    await sql.connect();
    closers.push(() => sql.end());

    const sample = await local.search({ q: 'boiler', layers: ['notes'] });
    const responseFile = path.join(dataDir, 'search-response.json');
    writeFileSync(responseFile, JSON.stringify(sample));
    const { child: responder, tcpPort } = await startResponder(natsUrl, `${subjectPrefix}.bench.echo`, responseFile);
    closers.push(() => new Promise((resolve) => { responder.once('exit', resolve); responder.kill('SIGTERM'); }));
    const tcp = await tcpRoundTrips(tcpPort, Buffer.byteLength(JSON.stringify(sample)));
    closers.push(tcp.close);
    const raw = await connect({ servers: natsUrl, name: 'tars-bench-requester' });
    closers.push(() => raw.close());

    const echoSubject = `${subjectPrefix}.bench.echo`;
    const packet = (q, i) => JSON.stringify({ pattern: 'memory.search', data: { q, layers: ['notes'] }, id: String(i) });
    const q = (i) => QUERIES[i % QUERIES.length];
    const layers = {
      json: () => JSON.parse(JSON.stringify(sample)),
      sql: (i) => sql.query(SEARCH_SQL, [q(i)]),
      local: (i) => local.search({ q: q(i), layers: ['notes'] }),
      'tars-nats': (i) => remote.search({ q: q(i), layers: ['notes'] }),
      tcp: () => tcp.call(),
      'nats-ping': () => raw.rtt(),
      'raw-small': async (i) => (await raw.request(`${echoSubject}.small`, packet(q(i), i), { timeout: 5000 })).json(),
      'raw-request': async (i) => (await raw.request(echoSubject, packet(q(i), i), { timeout: 5000 })).json(),
      'raw-inbox': (i) => inboxRequest(raw, echoSubject, packet(q(i), i)),
      'nest-client': (i) => firstValueFrom(client.send('bench.echo', { q: q(i) })),
    };
    const latencies = Object.fromEntries(Object.keys(layers).map((name) => [name, []]));
    for (const [name, fn] of Object.entries(layers)) layers[name] = bounded(fn);
    for (const once of Object.values(layers)) await timeSequential(perRound, maxBlockMs, once); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const [name, once] of Object.entries(layers)) latencies[name].push(...(await timeSequential(perRound, maxBlockMs, once)));
    }
    const stats = Object.fromEntries(Object.entries(latencies).map(([name, l]) => [name, latencyStats(l)]));
    return { stats, replyBytes: Buffer.byteLength(JSON.stringify(sample)) };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
