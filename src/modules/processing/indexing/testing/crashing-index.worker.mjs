// The real index worker, plus a way for tests to kill it the way a real crash would: a search on
// the model named "crash" throws instead of being handled, and the exception is uncaught, so the
// thread dies while other requests may still wait in its queue.
import { parentPort } from 'node:worker_threads';

const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(event, (message) => {
    if (event === 'message' && message.op === 'search' && message.args.slot === 'model:crash') throw new Error('simulated index worker crash');
    listener(message);
  });

await import('../vector-index.worker.mjs');
