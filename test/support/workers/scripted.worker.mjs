// A worker for WorkerChannel tests: speaks the protocol of worker-channel.ts and does what each
// task says ("crash" ends the thread, "fail" reports a task error, "hang" never answers,
// anything else is echoed).
import { parentPort, threadId, workerData } from 'node:worker_threads';

if (workerData?.failStart) {
  parentPort.postMessage({ type: 'start-failed', message: 'asked to fail at start' });
} else {
  parentPort.postMessage({ type: 'ready' });
}

parentPort.on('message', ({ id, payload }) => {
  if (payload === 'crash') process.exit(3); // in a worker thread this ends the thread only
  if (payload === 'fail') return parentPort.postMessage({ type: 'result', id, ok: false, message: 'task failed as asked' });
  if (payload === 'hang') return;
  parentPort.postMessage({ type: 'result', id, ok: true, payload: { echo: payload, threadId } });
});
