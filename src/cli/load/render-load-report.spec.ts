import { describe, expect, it } from 'vitest';
import { LoadRecorder } from './load-report.js';
import { formatMs, renderLoadReport } from './render-load-report.js';

describe('formatMs', () => {
  it('picks a unit a reader takes in at a glance', () => {
    expect([8.44, 312.4, 1840, 125_000].map(formatMs)).toEqual(['8.4 ms', '312 ms', '1.84 s', '2 min 5 s']);
  });
});

describe('renderLoadReport', () => {
  it('prints counts, states, throughput, latency percentiles, the error mix and rejections as tables', () => {
    const recorder = new LoadRecorder(3);
    recorder.recordSubmitted(3, 0);
    recorder.recordAccepted(12, false);
    recorder.recordAccepted(14, false);
    recorder.recordRejected('429 too_many_requests: slow down', 1);
    recorder.recordFinal({ state: 'validated', serverMs: 988, errorTypes: { overload: 3 }, retried: true, generations: 1 }, 0, 12);
    recorder.recordFinal({ state: 'low_quality', serverMs: 1986, errorTypes: {}, retried: false, generations: 4 }, 0, 14);
    const text = renderLoadReport(recorder.report([], null), {
      file: 'q.jsonl',
      url: 'http://127.0.0.1:8080',
      pace: { kind: 'concurrency', limit: 4 },
      batch: 1,
    });
    expect(text).toContain('Replayed q.jsonl against http://127.0.0.1:8080 (concurrency 4, 1 per request)');
    expect(text).toMatch(/^accepted \(202\) {2,}2$/m);
    expect(text).toMatch(/^rejected {2,}1$/m);
    expect(text).toMatch(/^validated {2,}1$/m);
    expect(text).toMatch(/^low_quality {2,}1$/m);
    expect(text).toContain('Throughput: 1.00 questions/s (60.0/min) over 2.00 s');
    expect(text).toMatch(/^time to final {2,}2 {2,}1.00 s {2,}2.00 s {2,}2.00 s {2,}2.00 s$/m);
    expect(text).toMatch(/^overload {2,}3$/m);
    expect(text).toContain('Questions retried after an error: 1; failed: none');
    expect(text).toContain('Regenerations: 1 question regenerated (3 regenerations): 0 validated in the end, 1 kept as low quality');
    expect(text).toMatch(/^ {7}1 {2}429 too_many_requests: slow down$/m);
  });
});
